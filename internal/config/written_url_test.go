package config

import (
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/packuilon/packuilon/internal/logging"
)

// hidingLog is the programs' logger at level in format, its lines hidden by AsWrittenWriter and
// written into the returned builder.
func hidingLog(t *testing.T, level, format string) (hclog.Logger, *strings.Builder) {
	t.Helper()
	var b strings.Builder
	log, err := logging.New(logging.Options{Level: level, Format: format, Output: &b, Hide: AsWrittenWriter})
	if err != nil {
		t.Fatal(err)
	}
	return log, &b
}

// loadHiding loads ini (it must have no problem), and forgets what it hides at the end of the
// test: the plain words hidden here are shown in the tests after.
func loadHiding(t *testing.T, ini string) *Config {
	t.Helper()
	cfg, err := Load(write(t, ini))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { loaded.keep() })
	return cfg
}

// checkLine fails t when line, a log line, holds one of hidden, or does not hold kept.
func checkLine(t *testing.T, line, kept string, hidden ...string) {
	t.Helper()
	for _, h := range hidden {
		if strings.Contains(line, h) {
			t.Errorf("log line shows %q: %s", h, line)
		}
	}
	if !strings.Contains(line, kept) {
		t.Errorf("log line garbled: %s", line)
	}
}

// TestURLPasswordHidden: what a reference brings into a URL's password (the profile server's
// URLs, whose user:password Load moves into ProfileAuth) or into a query parameter named like a
// secret (token=, key=) is a secret: hidden in every log line and in check-config's output
// however short or plain it is, at any depth of references, while a short value of no secret is
// left.
func TestURLPasswordHidden(t *testing.T) {
	cfg := loadHiding(t, "[DEFAULT]\np = 1234\ncred = %(p)s\nbase = https://aq:%(cred)s@aquilon\n"+
		"q = true\nk = off\nn = 3\n"+
		"[cdb2rabbit]\nPROFILE_INFO_URL = %(base)s/profiles-info.xml\n"+
		"PROFILE_DIR_URL = https://aq:%(p)s@aquilon/profiles/\n"+
		"[rabbit2packer]\nTHREAD_COUNT = %(n)s\n"+
		"[smoke]\nBOOT_FLAVOR = https://flavors/list?user=aq&token=%(q)s\nBOOT_NETWORK = https://nets/?key=%(k)s#top\n")
	if cfg.Watch.Auth.Password != "1234" {
		t.Fatalf("password %q, want it moved out of the URL", cfg.Watch.Auth.Password)
	}
	log, b := hidingLog(t, "info", "text")
	log.Info("fetch refused", "password", cfg.Watch.Auth.Password, "tls", "true", "state", "off", "threads", cfg.Builder.ThreadCount)
	checkLine(t, b.String(), "threads=3", "1234", "true", "off")
	// check-config's output; "1234" is shown as %(p)s or %(cred)s (both bring it in).
	got := cfg.AsWritten("password 1234, tls true, state off, 3 threads")
	if strings.Contains(got, "1234") || !strings.HasSuffix(got, ", tls %(q)s, state %(k)s, 3 threads") {
		t.Errorf("AsWritten: %q", got)
	}
}

// TestURLSecretParts: the parts of a value that are a URL's password or a secret query
// parameter's value, as net/url reads them.
func TestURLSecretParts(t *testing.T) {
	for v, want := range map[string][]string{
		"https://aq:p@ss@aquilon/x?token=t1":                       {"p@ss", "t1"},
		"amqps://u:pw@h1:5671/vh amqps://v:pw2@h2":                 {"pw", "pw2"},
		"https://aq@aquilon/x?user=aq&api-key=k1;sig=s1&key=#frag": {"k1", "s1"},
		"http://h/?a=1&access_token=zz#token=no":                   {"zz"},
		"/srv/images:1@2 file:///etc/x":                            nil,
	} {
		var got []string
		for _, s := range urlSecrets(v) {
			got = append(got, v[s.start:s.end])
		}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("%q: got %q, want %q", v, got, want)
		}
	}
}
