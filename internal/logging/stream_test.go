package logging

import (
	"fmt"
	"os"
	"syscall"
	"testing"
)

// streamOf is the JOURNAL_STREAM value systemd would set for f.
func streamOf(t *testing.T, f *os.File) string {
	t.Helper()
	var st syscall.Stat_t
	if err := syscall.Fstat(int(f.Fd()), &st); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%d:%d", st.Dev, st.Ino)
}
