package logging

import (
	"bytes"
	"fmt"
	"io"
	"log/syslog"
	"os"
	"syscall"
)

// Syslog priorities of hclog's levels (RFC 5424 severities, as journald's prefixes use them).
const (
	prioErr     = 3
	prioWarning = 4
	prioInfo    = 6
	prioDebug   = 7
)

// priority finds the level of one hclog entry, text ("[ERROR]") or JSON ("@level":"error").
// A text entry's level is its first bracketed word (a message quoting "[ERROR]" keeps the
// entry's own level); in JSON a quote inside a value is escaped, so the key cannot be quoted.
func priority(p []byte) int {
	switch {
	case hasLevel(p, "ERROR", "error"):
		return prioErr
	case hasLevel(p, "WARN", "warn"):
		return prioWarning
	case hasLevel(p, "DEBUG", "debug"), hasLevel(p, "TRACE", "trace"):
		return prioDebug
	}
	return prioInfo
}

// hasLevel reports whether the entry p has the level named text in hclog's text format, or
// json in its JSON format.
func hasLevel(p []byte, text, json string) bool {
	if bytes.HasPrefix(p, []byte("{")) {
		return bytes.Contains(p, []byte(`"@level":"`+json+`"`))
	}
	i := bytes.IndexByte(p, '[')
	return i >= 0 && bytes.HasPrefix(p[i:], []byte("["+text+"]"))
}

// syslogWriter sends each hclog entry to syslog at the priority of its level, found before the
// entry goes through hide (Options.Hide), which may rewrite its level.
type syslogWriter struct{ at map[int]io.Writer }

func newSyslogWriter(w *syslog.Writer, hide func(io.Writer) io.Writer) *syslogWriter {
	return &syslogWriter{at: map[int]io.Writer{
		prioErr: hide(sendFunc(w.Err)), prioWarning: hide(sendFunc(w.Warning)),
		prioInfo: hide(sendFunc(w.Info)), prioDebug: hide(sendFunc(w.Debug)),
	}}
}

func (l *syslogWriter) Write(p []byte) (int, error) { return l.at[priority(p)].Write(p) }

// sendFunc sends each Write to syslog at one priority.
type sendFunc func(string) error

func (f sendFunc) Write(p []byte) (int, error) { return len(p), f(string(p)) }

// journalWriter prefixes every line of an hclog entry with its journald priority ("<3>"), as
// sd-daemon(3) describes for services whose stderr is connected to the journal. The priority
// is found before the entry goes through w (hidden by Options.Hide, which may rewrite its level).
type journalWriter struct{ w io.Writer }

func (j *journalWriter) Write(p []byte) (int, error) {
	prefix := []byte(fmt.Sprintf("<%d>", priority(p)))
	lines := bytes.SplitAfter(p, []byte("\n"))
	var out bytes.Buffer
	for _, l := range lines {
		if len(l) > 0 {
			out.Write(prefix)
			out.Write(l)
		}
	}
	if _, err := j.w.Write(out.Bytes()); err != nil {
		return 0, err
	}
	return len(p), nil
}

// journalStderr reports whether stderr is the journal's stream: JOURNAL_STREAM holds the
// device and inode of the stream systemd connected, and they must still be stderr's (a
// redirection by a child shell or by hand makes them differ).
func journalStderr() bool {
	return isJournalStream(os.Getenv("JOURNAL_STREAM"), os.Stderr)
}

func isJournalStream(env string, f *os.File) bool {
	if env == "" {
		return false
	}
	var dev, ino uint64
	if _, err := fmt.Sscanf(env, "%d:%d", &dev, &ino); err != nil {
		return false
	}
	var st syscall.Stat_t
	if err := syscall.Fstat(int(f.Fd()), &st); err != nil {
		return false
	}
	return uint64(st.Dev) == dev && st.Ino == ino
}
