package profilewatch

import (
	"bytes"
	"io"
)

// indexScanner is a window on a stream: find reads on until a separator is in the window, so a
// document of any size is read with a buffer of about one entry.
type indexScanner struct {
	r   io.Reader
	buf []byte
	pos int // start of the unread bytes in buf
	eof bool
	err error
	// each, if not nil, is given every entry instead of the index map.
	each func(name string, mt int64)
	// usable counts the entries read (a name listed twice twice).
	usable int
}

func (s *indexScanner) unread() []byte { return s.buf[s.pos:] }

// find returns the offset of sep in the unread bytes, searching from offset from, reading more
// while it is not found, the stream goes on and fewer than limit bytes are unread. It returns
// -1 when sep is not found (s.eof, s.err or the limit tell why).
func (s *indexScanner) find(sep []byte, from, limit int) int {
	searched := from
	for {
		if searched < len(s.buf)-s.pos {
			if i := bytes.Index(s.buf[s.pos+searched:], sep); i >= 0 {
				return searched + i
			}
			searched = max(from, len(s.buf)-s.pos-len(sep)+1)
		}
		if s.eof || s.err != nil || len(s.buf)-s.pos >= limit {
			return -1
		}
		s.fill()
	}
}

// ensure reads until n bytes are unread or the stream ends.
func (s *indexScanner) ensure(n int) {
	for len(s.buf)-s.pos < n && !s.eof && s.err == nil {
		s.fill()
	}
}

// fill moves the unread bytes to the front and reads more.
func (s *indexScanner) fill() {
	n := copy(s.buf, s.buf[s.pos:])
	s.buf, s.pos = s.buf[:n], 0
	if cap(s.buf)-n < 32<<10 {
		nb := make([]byte, n, 2*cap(s.buf))
		copy(nb, s.buf)
		s.buf = nb
	}
	m, err := s.r.Read(s.buf[n:cap(s.buf)])
	s.buf = s.buf[:n+m]
	if err == io.EOF {
		s.eof = true
	} else if err != nil {
		s.err = err
	}
}

// skipPast moves past the next sep; at the end of the stream it moves to the end and returns false.
func (s *indexScanner) skipPast(sep []byte) bool {
	i := s.find(sep, 0, maxEntryLen)
	if i < 0 {
		s.pos = len(s.buf)
		return false
	}
	s.pos += i + len(sep)
	return true
}
