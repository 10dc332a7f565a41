package logging

import (
	"bytes"
	"io"
	"os"
	"strings"
	"testing"
)

// levelHider rewrites "warn" in every entry, as config.AsWrittenWriter does when a secret is
// that word (LOG_LEVEL = %(RABBIT_PW)s with RABBIT_PW = warn).
func levelHider(w io.Writer) io.Writer { return hider{w} }

type hider struct{ w io.Writer }

func (h hider) Write(p []byte) (int, error) {
	if _, err := h.w.Write(bytes.ReplaceAll(bytes.ReplaceAll(p, []byte("warn"), []byte("%(RABBIT_PW)s")), []byte("WARN"), []byte("%(RABBIT_PW)s"))); err != nil {
		return 0, err
	}
	return len(p), nil
}

// TestPriorityBeforeHiding: a warning keeps its syslog and journal priority when Hide rewrites
// its level; the line itself is hidden.
func TestPriorityBeforeHiding(t *testing.T) {
	sock, read := syslogSocket(t)
	log, err := New(Options{Target: "syslog", SyslogSocket: sock, Format: "json", Hide: levelHider})
	if err != nil {
		t.Fatal(err)
	}
	log.Warn("broker slow")
	if got := read(); !strings.HasPrefix(got, "<28>") || strings.Contains(got, "warn") {
		t.Errorf("syslog datagram %q; want priority warning (<28>), the level hidden", got)
	}

	// The journal: stderr is the stream JOURNAL_STREAM names.
	f, err := os.CreateTemp(t.TempDir(), "stderr")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	t.Setenv("JOURNAL_STREAM", streamOf(t, f))
	stderr := os.Stderr
	os.Stderr = f
	log, err = New(Options{Hide: levelHider})
	os.Stderr = stderr
	if err != nil {
		t.Fatal(err)
	}
	log.Warn("broker slow")
	data, err := os.ReadFile(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	if got := string(data); !strings.HasPrefix(got, "<4>") || strings.Contains(got, "WARN") {
		t.Errorf("journal line %q; want priority warning (<4>), the level hidden", got)
	}
}

// replaceHider is a Hide that shows r's expansions as written, as config.AsWrittenWriter does.
func replaceHider(r *strings.Replacer) func(io.Writer) io.Writer {
	return func(w io.Writer) io.Writer { return replaceWriter{w, r} }
}

type replaceWriter struct {
	w io.Writer
	r *strings.Replacer
}

func (h replaceWriter) Write(p []byte) (int, error) {
	if _, err := io.WriteString(h.w, h.r.Replace(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}

// TestJournalPrefixAfterHiding: the journal's priority prefix is added once Hide rewrote the
// entry, on every line: a secret "4" leaves a warning's "<4>" alone (it was rewritten to
// "<%(x)s>", a line of no priority).
func TestJournalPrefixAfterHiding(t *testing.T) {
	var out bytes.Buffer
	log, err := New(Options{Output: journalWriter(&out, replaceHider(strings.NewReplacer("4", "%(x)s")))})
	if err != nil {
		t.Fatal(err)
	}
	log.Warn("broker slow", "detail", "line one\nline two")
	lines := strings.Split(strings.TrimRight(out.String(), "\n"), "\n")
	for _, l := range lines {
		if !strings.HasPrefix(l, "<4>") || strings.Contains(l[3:], "4") {
			t.Errorf("journal line %q; want priority warning (<4>), the rest hidden", l)
		}
	}
	if len(lines) < 3 {
		t.Errorf("journal lines %q; want the entry over several lines", lines)
	}
}
