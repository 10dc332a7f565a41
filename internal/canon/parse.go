package canon

// parser reads the input once, writing the canonical form to out. Objects are written member
// by member as they come; when an object ends and its members were not in order (or a name
// came twice), its part of out is rewritten sorted, keeping the last of equal names.
type parser struct {
	in        []byte
	pos       int
	out       []byte
	maxOut    int
	members   []member // the members of the object being sorted
	arena     []byte   // their decoded names that had escapes
	scratch   []byte
	maxDepth  int
	room      int // values still allowed
	maxValues int
	caps      []Value
	base      *frame // before the root, at depth 0: the chain of frames starts here
}

// put, putByte and putString write to out. They grow it by doubling, not by the quarter that
// append adds to a large slice, so the canonical form of a large document is allocated a few
// times rather than a dozen.
func (p *parser) put(b []byte) {
	p.out = grow(p.out, len(b))
	p.out = append(p.out, b...)
}

func (p *parser) putByte(c byte) {
	p.out = grow(p.out, 1)
	p.out = append(p.out, c)
}

// putString writes s quoted, refusing a canonical form over maxOut before it is written.
func (p *parser) putString(s []byte) error {
	n := quotedLen(s)
	if len(p.out)+n > p.maxOut {
		return p.fail(ErrLimit, "canonical form over %d bytes", p.maxOut)
	}
	p.out = grow(p.out, n)
	p.out = appendString(p.out, s)
	return nil
}

// grow returns s with room for n more elements, doubling its capacity when it has to grow.
func grow[T any](s []T, n int) []T {
	if cap(s)-len(s) >= n {
		return s
	}
	ns := make([]T, len(s), max(2*cap(s), len(s)+n, 16))
	copy(ns, s)
	return ns
}

// scalar reads the string, number or literal at p.pos (counted by the caller); when capt ends a
// capture path, the value is captured.
func (p *parser) scalar(capt *trie) error {
	if p.pos >= len(p.in) {
		return p.fail(ErrSyntax, "unexpected end of input")
	}
	switch c := p.in[p.pos]; {
	case c == '"':
		start := p.pos
		plain, err := p.str()
		if err != nil {
			return err
		}
		raw := p.in[start:p.pos]
		if plain {
			p.put(raw)
		} else {
			if err := p.putString(unquote(raw[1 : len(raw)-1])); err != nil {
				return err
			}
		}
		if capt != nil && capt.idx > 0 {
			p.caps[capt.idx-1] = Value{Kind: String, Text: string(unquote(raw[1 : len(raw)-1]))}
		}
	case c == '-' || (c >= '0' && c <= '9'):
		start := p.pos
		if err := p.number(); err != nil {
			return err
		}
		p.put(p.in[start:p.pos])
		if capt != nil && capt.idx > 0 {
			p.caps[capt.idx-1] = Value{Kind: Number, Text: string(p.in[start:p.pos])}
		}
	default:
		lit, err := p.literal()
		if err != nil {
			return err
		}
		p.put(lit)
		if capt != nil && capt.idx > 0 {
			p.caps[capt.idx-1] = Value{Kind: Literal, Text: string(lit)}
		}
	}
	return nil
}
