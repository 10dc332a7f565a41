package profilewatch

import (
	"bufio"
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

// readBody reads a profile or index body, gunzipping it when its name ends ".gz" or it starts with
// the gzip magic (Aquilon's transparent_gzip serves gzip under a plain name). The cap applies to
// the decompressed size, so a small gzip bomb is refused too; nothing over max+1 bytes is held.
func readBody(r io.Reader, name string, max int64) ([]byte, error) {
	br := bufio.NewReader(r)
	head, _ := br.Peek(2)
	var src io.Reader = br
	if strings.HasSuffix(name, ".gz") || (len(head) == 2 && head[0] == gzipMagic[0] && head[1] == gzipMagic[1]) {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("bad gzip: %w", err)
		}
		defer zr.Close()
		src = zr
	}
	data, err := io.ReadAll(io.LimitReader(src, max+1))
	if err != nil {
		if _, ok := src.(*gzip.Reader); ok {
			return nil, fmt.Errorf("bad gzip: %w", err)
		}
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrTooBig, max)
	}
	return data, nil
}
