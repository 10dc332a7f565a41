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
