package config

import (
	"io"
	"strings"
	"testing"
)

// TestAsWrittenLinesCutValue: a child's output that cuts a path holding a secret between two
// writes (a pipe's reads, python's 8K buffer) still shows the path as written, the last line
// without a newline too (flush).
func TestAsWrittenLinesCutValue(t *testing.T) {
	const secret = "cut-s3cret-5150"
	loadRallyPath(t, secret)
	var b strings.Builder
	w, flush := AsWrittenLines(&b)
	out := "reading /srv/" + secret + "/rally.conf\nthen /srv/" + secret + "/rally.conf"
	cut := strings.Index(out, "s3cret")
	for _, chunk := range []string{out[:cut], out[cut : cut+20], out[cut+20:]} {
		if n, err := w.Write([]byte(chunk)); n != len(chunk) || err != nil {
			t.Fatalf("write: %d, %v", n, err)
		}
	}
	flush()
	want := "reading /srv/%(RABBIT_PW)s/rally.conf\nthen /srv/%(RABBIT_PW)s/rally.conf"
	if b.String() != want {
		t.Errorf("got %q\nwant %q", b.String(), want)
	}
}

// TestAsWrittenStreamsCutValue: a value cut in a child's stdout while its stderr writes a
// whole line is still shown as written: the streams hold back their cut lines apart (one
// buffer for both showed "/srv/cut-s3" joined to stderr's line).
func TestAsWrittenStreamsCutValue(t *testing.T) {
	const secret = "cut-s3cret-6160"
	loadRallyPath(t, secret)
	var b strings.Builder
	stdout, stderr, flush := AsWrittenStreams(&b)
	line := "reading /srv/" + secret + "/rally.conf\n"
	cut := strings.Index(line, "s3cret")
	for _, w := range []struct {
		to    io.Writer
		chunk string
	}{{stdout, line[:cut]}, {stderr, "a warning\n"}, {stdout, line[cut:]}} {
		if n, err := w.to.Write([]byte(w.chunk)); n != len(w.chunk) || err != nil {
			t.Fatalf("write: %d, %v", n, err)
		}
	}
	flush()
	want := "a warning\nreading /srv/%(RABBIT_PW)s/rally.conf\n"
	if b.String() != want {
		t.Errorf("got %q\nwant %q", b.String(), want)
	}
}

// loadRallyPath loads a configuration whose RALLY_CONFIG path refers to secret, RABBIT_PW.
func loadRallyPath(t *testing.T, secret string) {
	t.Helper()
	ini := "[DEFAULT]\nRABBIT_PW = " + secret + "\n[rally-image-testing]\nRALLY_CONFIG = /srv/%(RABBIT_PW)s/rally.conf\n"
	path := write(t, ini)
	if _, err := Load(path); err != nil {
		t.Fatal(err)
	}
}
