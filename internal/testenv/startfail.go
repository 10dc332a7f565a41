package testenv

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// tailLines is how many lines of the failing log a start error quotes.
const tailLines = 25

// StartError is the error of a service that could not start. Its directory is kept (not
// removed) so the logs can be read; the message names it and quotes the end of the log that
// was written last, which is the failing one.
type StartError struct {
	Service string
	// Dir is the service's private directory, kept; Log the log file quoted (may be "").
	Dir string
	Log string
	Err error
}

func (e *StartError) Error() string {
	var b strings.Builder
	// No "start <service>" prefix: the callers (SharedOpenStack, the demo) give it.
	fmt.Fprintf(&b, "%v\n    %s: its files and logs are kept in %s", e.Err, e.Service, e.Dir)
	if e.Log != "" {
		fmt.Fprintf(&b, "\n    last lines of %s:\n%s", e.Log, indent(lastLines(e.Log, tailLines)))
	}
	return b.String()
}

func (e *StartError) Unwrap() error { return e.Err }

// startFailed wraps err as a StartError for the service in dir, quoting the newest non-empty
// file among logs (paths relative to dir, or directories whose files count).
func startFailed(service, dir string, err error, logs ...string) error {
	var se *StartError
	if errors.As(err, &se) {
		return err // already says where the logs are
	}
	return &StartError{Service: service, Dir: dir, Log: newestLog(dir, logs), Err: err}
}

// newestLog is the most recently written non-empty file among the given paths under dir
// (directories stand for the files directly in them).
func newestLog(dir string, logs []string) string {
	var best string
	var bestTime time.Time
	consider := func(p string) {
		st, err := os.Stat(p)
		if err != nil || st.IsDir() || st.Size() == 0 {
			return
		}
		if best == "" || st.ModTime().After(bestTime) {
			best, bestTime = p, st.ModTime()
		}
	}
	for _, l := range logs {
		p := filepath.Join(dir, l)
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			entries, _ := os.ReadDir(p)
			for _, e := range entries {
				consider(filepath.Join(p, e.Name()))
			}
			continue
		}
		consider(p)
	}
	return best
}

// lastLines returns the last n lines of the file at path (at most 64 KiB are read).
func lastLines(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	const max = 64 << 10
	st, err := f.Stat()
	if err != nil {
		return err.Error()
	}
	off := st.Size() - max
	if off < 0 {
		off = 0
	}
	buf := make([]byte, st.Size()-off)
	if _, err := f.ReadAt(buf, off); err != nil {
		return err.Error()
	}
	lines := bytes.Split(bytes.TrimRight(buf, "\n"), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return string(bytes.Join(lines, []byte("\n")))
}

func indent(s string) string {
	return "      " + strings.ReplaceAll(s, "\n", "\n      ")
}
