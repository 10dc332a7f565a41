package fsutil

import (
	"io"
	"os"
	"strings"
	"unicode/utf8"
)

// tailWindow is how much of the end of a file Tail reads.
const tailWindow = 64 << 10

// Tail returns the last n lines of a text file (from its last 64 KiB), each cut to width bytes
// at a character boundary, with invalid UTF-8 replaced. An unreadable or empty path gives none.
func Tail(path string, n, width int) []string {
	if path == "" {
		return nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() > tailWindow {
		f.Seek(st.Size()-tailWindow, io.SeekStart)
	}
	data, err := io.ReadAll(f)
	if err != nil || len(data) == 0 {
		return nil
	}
	lines := strings.Split(strings.TrimRight(strings.ToValidUTF8(string(data), "?"), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	for i, l := range lines {
		if len(l) > width {
			cut := width
			for cut > 0 && !utf8.RuneStart(l[cut]) {
				cut--
			}
			lines[i] = l[:cut] + "…"
		}
	}
	return lines
}
