package config

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"
)

// TestAsWrittenEveryLoad: AsWritten hides what the references of every configuration loaded
// brought in (a reload's new secret and the old one), and leaves short values and small
// numbers, which say nothing of a secret, so that lines with times and counts stay readable.
func TestAsWrittenEveryLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.ini")
	load := func(pw string) {
		t.Helper()
		ini := "[DEFAULT]\nRABBIT_PW = " + pw + "\nn = 2\nport = 5672\n" +
			"[global]\nRABBIT_PORT = %(port)s\n" +
			"[rabbit2packer]\nTHREAD_COUNT = %(n)s\nADMIN_AUTH_FILE = /srv/%(RABBIT_PW)s/admin-auth.sh\n"
		if err := os.WriteFile(path, []byte(ini), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := Load(path); err != nil {
			t.Fatal(err)
		}
	}
	load("first-s3cret-81")
	load("second-s3cret-82") // a reload with a new password
	got := AsWritten("12:02:25 auth file /srv/first-s3cret-81/admin-auth.sh, then /srv/second-s3cret-82/admin-auth.sh, port 5672")
	want := "12:02:25 auth file /srv/%(RABBIT_PW)s/admin-auth.sh, then /srv/%(RABBIT_PW)s/admin-auth.sh, port 5672"
	if got != want {
		t.Errorf("AsWritten:\n got %q\nwant %q", got, want)
	}
	if strings.Contains(got, "s3cret") {
		t.Error("a secret is shown")
	}
}

// TestAsWrittenInLogLines: a secret with quotes, a backslash and HTML characters, brought into
// a path by a reference, is hidden in hclog's text and JSON lines, which escape them.
func TestAsWrittenInLogLines(t *testing.T) {
	const secret = `pw&<1>"2\3`
	ini := "[DEFAULT]\nRABBIT_PW = " + secret + "\n[rabbit2packer]\nADMIN_AUTH_FILE = /srv/%(RABBIT_PW)s/admin\n"
	path := write(t, ini)
	cfg, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, jsonFormat := range []bool{false, true} {
		var b strings.Builder
		log := hclog.New(&hclog.LoggerOptions{Output: &b, JSONFormat: jsonFormat})
		log.Warn("cannot connect", "credentials", "auth file "+cfg.Promote.AuthFile, "error", "open "+cfg.Promote.AuthFile+": no such file")
		got := AsWritten(b.String())
		if strings.Contains(got, "pw&") || strings.Contains(got, `pw\u0026`) || strings.Count(got, "/srv/%(RABBIT_PW)s/admin") != 2 {
			t.Errorf("json %v: %s", jsonFormat, got)
		}
	}
}

// TestAsWrittenShortSecret: a secret brought in by a reference is hidden however short it is
// (a 3-character password, a 4-digit one and 2-character ones or a plain word under names of the
// site's, db_pass and api_key among them), while a short value of another key is left.
func TestAsWrittenShortSecret(t *testing.T) {
	ini := "[DEFAULT]\nRABBIT_PW = Q7z\ndb_password = 4711\nmail_pwd = K9\nn = 3\ndb_pass = Zq\napi_key = true\n" +
		"[global]\nRABBIT_VHOST = %(RABBIT_PW)s\nRABBIT_USER = %(db_password)s\n" +
		"[notify]\nMAIL_FROM = packuilon-%(mail_pwd)s@localhost\n" +
		"[rabbit2packer]\nTHREAD_COUNT = %(n)s\n" +
		"[smoke]\nBOOT_FLAVOR = f%(db_pass)s\nBOOT_NETWORK = %(api_key)s\n"
	path := write(t, ini)
	if _, err := Load(path); err != nil {
		t.Fatal(err)
	}
	got := AsWritten(`vhost "Q7z" refused user 4711, 3 threads, K9, Zq, true`)
	if want := `vhost "%(RABBIT_PW)s" refused user %(db_password)s, 3 threads, %(mail_pwd)s, %(db_pass)s, %(api_key)s`; got != want {
		t.Errorf("AsWritten:\n got %q\nwant %q", got, want)
	}
}

// TestAsWrittenWriterNoReferences: while no configuration with references was loaded (the
// common case), a log line goes through the writer as it is: neither copied nor allocated.
func TestAsWrittenWriterNoReferences(t *testing.T) {
	var l loadedValues
	var sink countingWriter
	w := l.writer(&sink)
	line := []byte(`2026-11-30T12:02:25.000Z [INFO]  packuilon-builder: build finished: key=sl7.managed image=0b1e9e42` + "\n")
	if n := testing.AllocsPerRun(100, func() { _, _ = w.Write(line) }); n != 0 {
		t.Errorf("%v allocations per line written, want 0", n)
	}
	text := string(line)
	if n := testing.AllocsPerRun(100, func() { _, _ = io.WriteString(w, text) }); n != 0 {
		t.Errorf("%v allocations per string written (packer's lines), want 0", n)
	}
	if sink.direct == 0 || l.writer(w) != w {
		t.Errorf("line not passed as it is (%d direct writes), or the writer wrapped twice", sink.direct)
	}
}

// countingWriter counts the Writes it is given, as a file takes them.
type countingWriter struct{ direct int }

func (c *countingWriter) Write(p []byte) (int, error) { c.direct++; return len(p), nil }

// WriteString is os.File's: a string is written without a copy.
func (c *countingWriter) WriteString(s string) (int, error) { c.direct++; return len(s), nil }

// TestReplacesForgetsOldValues: from a new configuration's Load, what its references brought in
// is hidden together with the running one's; once it runs (Replaces), what the configurations
// before the one it replaced brought in (a password changed two reloads ago, a reload that
// failed) is shown again, and what is held does not grow with each reload.
func TestReplacesForgetsOldValues(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.ini")
	reload := func(pw, extra string) *Config {
		t.Helper()
		ini := "[DEFAULT]\nRABBIT_PW = " + pw + "\n[rabbit2packer]\nADMIN_AUTH_FILE = /srv/%(RABBIT_PW)s/admin\n" + extra
		if err := os.WriteFile(path, []byte(ini), 0o600); err != nil {
			t.Fatal(err)
		}
		cfg, _ := load(path) // a configuration with problems is held too: a failed reload's error may quote it
		return cfg
	}
	shown := func(pw string) bool { return strings.Contains(AsWritten("auth file /srv/"+pw+"/admin"), pw) }
	running, old := reload("gen1-s3cret", ""), ""
	for i := 2; i <= 30; i++ {
		pw := fmt.Sprintf("gen%d-s3cret", i)
		failed := fmt.Sprintf("failed%d-s3cret", i)
		reload(failed, "THREAD_COUNT = many\n") // a reload that failed
		next := reload(pw, "")
		if shown(pw) || shown(failed) || shown(fmt.Sprintf("gen%d-s3cret", i-1)) {
			t.Fatalf("reload %d: a value in use or just loaded is shown", i)
		}
		next.Replaces(running)
		if shown(pw) || shown(fmt.Sprintf("gen%d-s3cret", i-1)) {
			t.Fatalf("reload %d: the running or the replaced configuration's value is shown", i)
		}
		if old != "" && !shown(old) || !shown(failed) {
			t.Fatalf("reload %d: %s or %s still hidden", i, old, failed)
		}
		running, old = next, fmt.Sprintf("gen%d-s3cret", i-1)
	}
	if n := len(loaded.sets); n != 2 {
		t.Errorf("%d loads held after 29 reloads, want 2", n)
	}
}

// TestHoldKeepsARunningBuildsValuesHidden: a build started under a configuration (Hold) may log
// its paths for as long as it runs; two reloads that change such a path must not show the
// build's old one. Once the build ends (release), it is forgotten like any replaced load.
func TestHoldKeepsARunningBuildsValuesHidden(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.ini")
	reload := func(pw string) *Config {
		t.Helper()
		ini := "[DEFAULT]\nRABBIT_PW = " + pw + "\n[rabbit2packer]\nADMIN_AUTH_FILE = /srv/%(RABBIT_PW)s/admin\n"
		if err := os.WriteFile(path, []byte(ini), 0o600); err != nil {
			t.Fatal(err)
		}
		cfg, err := load(path)
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	shown := func(pw string) bool { return strings.Contains(AsWritten("auth file /srv/"+pw+"/admin"), pw) }
	a := reload("build-s3cret")
	release := a.Hold() // a build starts under a
	b := reload("second-s3cret")
	b.Replaces(a)
	c := reload("third-s3cret")
	c.Replaces(b)
	d := reload("fourth-s3cret")
	d.Replaces(c)
	if shown("build-s3cret") {
		t.Fatal("the running build's path is shown after three reloads")
	}
	if !shown("second-s3cret") {
		t.Error("a configuration no build holds, two reloads ago, is still hidden")
	}
	release()
	release() // a second release changes nothing
	if !shown("build-s3cret") {
		t.Error("the ended build's configuration is still hidden")
	}
	if shown("fourth-s3cret") || shown("third-s3cret") {
		t.Error("the running or the replaced configuration's value is shown")
	}
	// A build that ends while its configuration still runs leaves it hidden.
	done := d.Hold()
	done()
	if shown("fourth-s3cret") {
		t.Error("the running configuration's value is shown after a build under it ended")
	}
}
