package config

import (
	"bytes"
	"io"
	"sync"
)

// maxHeldLine bounds what AsWrittenLines holds back waiting for the end of a line: a longer
// line is written as it is then (a value cut there is not recognised).
const maxHeldLine = 64 << 10

// AsWrittenLines is AsWrittenWriter for a child's output read in chunks (a pipe's reads, a
// program's 8K buffer), which may cut a value anywhere: it holds back the end of a chunk until
// its line is whole. flush writes what is held (a last line without a newline) and must be
// called once the output is over. While no configuration with references was loaded it
// returns w itself (exec then gives a file to the child as it is: no pipe, no copy).
func AsWrittenLines(w io.Writer) (lw io.Writer, flush func()) {
	if loaded.replacer.Load() == nil {
		return w, func() {}
	}
	l := &lineHider{w: w, mu: &sync.Mutex{}}
	return l, l.flush
}

// AsWrittenStreams is AsWrittenLines for a child's stdout and stderr both written to w: each
// stream holds back its own cut line (one buffer for both would join the first part of a value
// cut in one stream to a line of the other, and show it), and they write to w one at a time.
// flush writes what both hold. While no configuration with references was loaded it returns
// w for both.
func AsWrittenStreams(w io.Writer) (stdout, stderr io.Writer, flush func()) {
	if loaded.replacer.Load() == nil {
		return w, w, func() {}
	}
	mu := &sync.Mutex{}
	o, e := &lineHider{w: w, mu: mu}, &lineHider{w: w, mu: mu}
	return o, e, func() { o.flush(); e.flush() }
}

// lineHider writes through AsWritten whole lines only.
type lineHider struct {
	w   io.Writer
	mu  *sync.Mutex // shared by the hiders writing to w (AsWrittenStreams)
	buf []byte
}

func (l *lineHider) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, p...)
	end := bytes.LastIndexByte(l.buf, '\n') + 1
	if end == 0 && len(l.buf) > maxHeldLine {
		end = len(l.buf)
	}
	if end == 0 {
		return len(p), nil
	}
	_, err := io.WriteString(l.w, AsWritten(string(l.buf[:end])))
	l.buf = append(l.buf[:0], l.buf[end:]...)
	if err != nil {
		return 0, err
	}
	return len(p), nil
}

func (l *lineHider) flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.buf) > 0 {
		_, _ = io.WriteString(l.w, AsWritten(string(l.buf)))
		l.buf = l.buf[:0]
	}
}
