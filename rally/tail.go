package rally

import (
	"strings"
	"sync"
)

// tailWriter keeps the last bytes written to it, for error messages about a failed command.
type tailWriter struct {
	mu  sync.Mutex
	buf []byte
}

const tailSize = 2048

func (t *tailWriter) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > tailSize {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-tailSize:]...)
	}
	return len(p), nil
}

// String is the tail on one line.
func (t *tailWriter) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.Join(strings.Fields(string(t.buf)), " ")
}

// hint picks the line of a failed rally run that says why (a validation's "Details:", an
// "invalid" task), as "; <line>", or "" when there is none.
func (t *tailWriter) hint() string {
	t.mu.Lock()
	lines := strings.Split(string(t.buf), "\n")
	t.mu.Unlock()
	for i := len(lines) - 1; i >= 0; i-- {
		l := strings.TrimSpace(lines[i])
		if strings.Contains(l, "Details:") || strings.Contains(l, "invalid") {
			return "; " + strings.Join(strings.Fields(l), " ")
		}
	}
	return ""
}
