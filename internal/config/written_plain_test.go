package config

import (
	"strings"
	"testing"
)

// TestPlainWordsLeftInLogLines: a log level, a boolean or a short duration that a reference of
// no secret brought in (LOG_LEVEL = %(level)s) is left as it is in the programs' log lines, so
// that a JSON line keeps its "@level" (and its journal priority); a secret brought in is
// hidden even when it is such a word, whichever key takes it.
func TestPlainWordsLeftInLogLines(t *testing.T) {
	cfg, err := Load(write(t, "[DEFAULT]\nlevel = warn\nflag = true\nwait = 300s\n"+
		"[global]\nLOG_LEVEL = %(level)s\nLOG_FORMAT = json\nRABBIT_TLS = %(flag)s\n"+
		"[rabbit2packer]\nBUILD_TIMEOUT = %(wait)s\n"))
	if err != nil {
		t.Fatal(err)
	}
	log, b := hidingLog(t, cfg.Global.LogLevel, cfg.Global.LogFormat)
	log.Warn("broker slow", "tls", cfg.Global.RabbitTLS, "timeout", "300s")
	if got := b.String(); !strings.Contains(got, `"@level":"warn"`) || !strings.Contains(got, `"tls":true`) ||
		!strings.Contains(got, `"timeout":"300s"`) {
		t.Errorf("log line garbled: %s", got)
	}

	for _, ini := range []string{
		"[DEFAULT]\nRABBIT_PW = debug\n[global]\nLOG_LEVEL = %(RABBIT_PW)s\n",
		"[DEFAULT]\nmq = false\n[global]\nRABBIT_PW = %(mq)s\nRABBIT_TLS = %(mq)s\n",
		"[DEFAULT]\napi_token = 4711s\n[rabbit2packer]\nBUILD_TIMEOUT = %(api_token)s\n",
	} {
		if _, err := Load(write(t, ini)); err != nil {
			t.Fatal(err)
		}
	}
	if got := AsWritten("level debug, tls false, timeout 4711s"); strings.Contains(got, "debug") ||
		strings.Contains(got, "false") || strings.Contains(got, "4711s") {
		t.Errorf("a secret that is a plain word is shown: %s", got)
	}
}

// TestShortExpansionLeftInProblems: a problem about a value with a reference shows the value as
// written, and leaves the rest of the message alone where a short expansion of no secret also
// appears ("1..256" stays when %(n)s is 1); a secret's expansion is hidden there too, however
// short, even when another key takes it.
func TestShortExpansionLeftInProblems(t *testing.T) {
	for ini, want := range map[string]string{
		"[DEFAULT]\nn = 1\n[rabbit2packer]\nTHREAD_COUNT = %(n)s000\n":                              "%(n)s000 is out of range 1..256",
		"[DEFAULT]\nRABBIT_PW = 1\n[rabbit2packer]\nTHREAD_COUNT = %(RABBIT_PW)s000\n":              "%(RABBIT_PW)s000 is out of range %(RABBIT_PW)s..256",
		"[DEFAULT]\nn = 1\n[global]\nRABBIT_PW = %(n)s\n[rabbit2packer]\nTHREAD_COUNT = %(n)s000\n": "%(n)s000 is out of range %(n)s..256",
	} {
		_, err := Load(write(t, ini))
		if err == nil || !strings.Contains(err.Error(), "THREAD_COUNT: "+want) {
			t.Errorf("%q: got %v; want %q", ini, err, want)
		}
	}
}

// TestShownAsIsRule: the rule of which expansions are left as they are: under 4 characters, a
// number, duration or size with under 6 digits, a log level or boolean, when of no secret; a
// longer number or anything else is hidden, and a secret always.
func TestShownAsIsRule(t *testing.T) {
	for s, want := range map[string]bool{
		"abc": true, "5672": true, "12345": true, "00042": true, "1.5": true, "64M": true, "1h30m": true, "Info": true,
		"123456": false, "abcd": false, "12345678s": false, "/srv/pw": false, "64MiBBB": false,
	} {
		if got := (refPair{expanded: s}).shownAsIs(); got != want {
			t.Errorf("%q of no secret shown as it is: %v, want %v", s, got, want)
		}
		if (refPair{expanded: s, secret: true}).shownAsIs() {
			t.Errorf("%q of a secret shown as it is", s)
		}
	}
}
