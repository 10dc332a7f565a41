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

// byPriority writes each hclog entry to the writer of its level's priority (syslog's severity,
// journald's prefix). The priority is found on the entry as hclog wrote it; each writer is
// wrapped in hide (Options.Hide), which may rewrite the entry, its level included
// ("@level":"%(RABBIT_PW)s"), but never the priority, added after it.
type byPriority map[int]io.Writer

func newByPriority(hide func(io.Writer) io.Writer, at func(prio int) io.Writer) byPriority {
	b := byPriority{}
	for _, p := range []int{prioErr, prioWarning, prioInfo, prioDebug} {
		b[p] = hide(at(p))
	}
	return b
}

func (b byPriority) Write(p []byte) (int, error) { return b[priority(p)].Write(p) }

// syslogWriter sends each hclog entry to syslog at the priority of its level.
func syslogWriter(w *syslog.Writer, hide func(io.Writer) io.Writer) byPriority {
	send := map[int]sendFunc{prioErr: w.Err, prioWarning: w.Warning, prioInfo: w.Info, prioDebug: w.Debug}
	return newByPriority(hide, func(p int) io.Writer { return send[p] })
}

// sendFunc sends each Write to syslog at one priority.
type sendFunc func(string) error

func (f sendFunc) Write(p []byte) (int, error) { return len(p), f(string(p)) }

// journalWriter prefixes every line of an hclog entry with its journald priority ("<3>"), as
// sd-daemon(3) describes for services whose stderr is connected to the journal, once hide has
// rewritten the entry: a prefix is never rewritten (a secret "4" would turn "<4>" into a line
// of no priority), and hide sees the entry's lines joined as hclog wrote them.
func journalWriter(w io.Writer, hide func(io.Writer) io.Writer) byPriority {
	return newByPriority(hide, func(p int) io.Writer { return &prefixWriter{prefix: []byte(fmt.Sprintf("<%d>", p)), w: w} })
}

// prefixWriter writes each line of each Write to w after prefix.
type prefixWriter struct {
	prefix []byte
	w      io.Writer
}

func (j *prefixWriter) Write(p []byte) (int, error) {
	lines := bytes.SplitAfter(p, []byte("\n"))
	var out bytes.Buffer
	for _, l := range lines {
		if len(l) > 0 {
			out.Write(j.prefix)
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
