package profilewatch

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"strings"
)

// ErrTooBig is wrapped when a body is over the size cap (MAX_PROFILE_SIZE for profiles).
var ErrTooBig = errors.New("over the size limit")

// maxIndexSize caps the index itself: a 100,000-host index is about 8 MB.
const maxIndexSize = 512 << 20

var gzipMagic = []byte{0x1f, 0x8b}

// openBody returns the body of r as a stream, gunzipped when its name ends ".gz" or it starts
// with the gzip magic (Aquilon's transparent_gzip serves gzip under a plain name). The stream
// fails with ErrTooBig past max bytes of decompressed data, so a small gzip bomb is refused too.
func openBody(r io.Reader, name string, max int64) (io.Reader, func(), error) {
	// A buffer just big enough to peek at the magic: a plain body's large reads then go
	// straight into the caller's buffer, without a 4 KB buffer per profile and a copy through it.
	br := bufio.NewReaderSize(r, 16)
	head, _ := br.Peek(2)
	if strings.HasSuffix(name, ".gz") || (len(head) == 2 && head[0] == gzipMagic[0] && head[1] == gzipMagic[1]) {
		// flate reads a byte at a time: it gets a buffer of its own.
		zr, err := gzip.NewReader(bufio.NewReaderSize(br, 32<<10))
		if err != nil {
			return nil, nil, fmt.Errorf("bad gzip: %w", err)
		}
		return &capReader{r: zr, left: max, max: max, gzip: true}, func() { zr.Close() }, nil
	}
	return &capReader{r: br, left: max, max: max}, func() {}, nil
}

// capReader fails once more than left bytes come, and names gzip as the culprit of read errors.
type capReader struct {
	r    io.Reader
	left int64
	gzip bool
	max  int64
}

func (c *capReader) Read(p []byte) (int, error) {
	if int64(len(p)) > c.left+1 {
		p = p[:c.left+1]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	if c.left < 0 {
		return 0, fmt.Errorf("%w: more than %d bytes", ErrTooBig, c.max)
	}
	if err != nil && err != io.EOF && c.gzip {
		err = fmt.Errorf("bad gzip: %w", err)
	}
	return n, err
}

// readBody reads a whole profile or index body with openBody; nothing over max+1 bytes is held.
func readBody(r io.Reader, name string, max int64) ([]byte, error) {
	return readBodyInto(r, name, max, 0, nil)
}

// readBodyInto is readBody appending to buf, with the size the body announced (0: unknown) to
// read it into one buffer of the right size rather than growing one.
func readBodyInto(r io.Reader, name string, max, size int64, buf []byte) ([]byte, error) {
	body, done, err := openBody(r, name, max)
	if err != nil {
		return nil, err
	}
	defer done()
	if need := len(buf) + int(size) + bytes.MinRead; size > 0 && size <= max && cap(buf) < need {
		// An eighth more than this body: the next profile, a little larger, fits too, rather than
		// taking a new buffer (fresh memory, as a one-shot scan does not collect). Only what buf
		// holds is copied (slices.Grow would copy its whole capacity).
		buf = append(make([]byte, 0, need+int(size)/8), buf...)
	}
	b := bytes.NewBuffer(buf)
	_, err = b.ReadFrom(body)
	return b.Bytes(), err
}
