package canon

// frame is a container open: what a call for it would keep on the goroutine stack. Frames are
// a chain from parser.base (depth 0, no container), made as the depth first grows and kept with
// the parser's other buffers. They are reused, so ind and end, the guesses at the indentation of
// a container's members and end, carry over to the next container at the same depth, as
// pretty-printed containers at one depth are indented alike.
type frame struct {
	parent, child *frame
	depth         int
	ign, capt     *trie  // the paths below an object (nil in an array)
	prev          []byte // the name of the last member kept
	prevKey       uint64 // and its key
	drop          int    // the drop of the member whose value is the container open below this one
	open          int    // where the '{' or '[' is in out
	ind, end      indent
	kept          bool // a member was written: a comma goes before the next
	sorted        bool // the members kept are in order, their names distinct
	array         bool
}

// delimiter returns the index of the byte after an element at in[i] (the comma or the end of
// the array, for the caller to check), past the whitespace before it.
func (f *frame) delimiter(in []byte, i int) int {
	if i < len(in) && in[i] == ',' {
		return i
	}
	if indented(in, i, &f.end) {
		return i + 1 + f.end.n
	}
	return reindent(in, i, &f.end)
}

// key is the first eight bytes of a name as a big-endian word, zeros after a shorter one: names
// whose keys differ compare as their keys do.
func key(name []byte) uint64 {
	if cap(name) < 8 {
		var w [8]byte
		copy(w[:], name)
		return beWord(w[:])
	}
	return beWord(name[:8]) & keyMask[min(len(name), 8)]
}

// keyMask keeps the bytes of a key that are a name's, by its length (8 and more: all).
var keyMask = [16]uint64{0, 0xff << 56, 0xffff << 48, 0xffffff << 40, 0xffffffff << 32, 0xffffffffff << 24,
	0xffffffffffff << 16, 0xffffffffffffff << 8, ^uint64(0), ^uint64(0), ^uint64(0), ^uint64(0), ^uint64(0),
	^uint64(0), ^uint64(0), ^uint64(0)}

// tieBefore reports whether name a sorts before b when their keys are equal: their first eight
// bytes are then equal, or the shorter one is the start of the other, zeros after it. It is
// inlined where it is called, a call costing more in the registers saved around it.
func tieBefore(a, b []byte) bool {
	for k := 8; k < len(a) && k < len(b); k++ {
		if a[k] != b[k] {
			return a[k] < b[k]
		}
	}
	return len(a) < len(b)
}

func containerKind(c byte) Kind {
	if c == '[' {
		return Array
	}
	return Object
}

// memberName reads the member name at p.pos (on its quote) and the ':' after it, writes them
// canonical and returns the name decoded.
func (p *parser) memberName() ([]byte, error) {
	in, start := p.in, p.pos
	var name []byte
	if next, out, ok := plainString(p.out, in, start); ok {
		name, p.pos, p.out = in[start+1:next-1], next, out
	} else {
		if _, err := p.str(); err != nil {
			return nil, err
		}
		name = unquote(in[start+1 : p.pos-1])
		if err := p.putString(name); err != nil {
			return nil, err
		}
	}
	p.skipWS()
	if p.pos >= len(in) || in[p.pos] != ':' {
		return nil, p.fail(ErrSyntax, "':' expected after an object member name")
	}
	p.pos++
	p.skipWS()
	p.putByte(':')
	return name, nil
}

func (p *parser) tooMany() error { return p.fail(ErrLimit, "more than %d values", p.maxValues) }

// unexpected fails at p.pos, at the end of the input or on a byte that cannot come there.
func (p *parser) unexpected(where string) error {
	if p.pos >= len(p.in) {
		return p.fail(ErrSyntax, "unexpected end of input %s", where)
	}
	return p.fail(ErrSyntax, "invalid character %q %s", p.in[p.pos], where)
}
