package canon

import (
	"bytes"
	"slices"
)

// member is one member of an object being sorted: where it starts and ends in scratch, and its
// decoded name, either in scratch just after the quote (keyOff < 0) or in the arena.
type member struct {
	start, end, keyOff, keyLen int32
}

// sortObject rewrites the members of the object opened at out[open] in name order, keeping the
// last of equal names. The object's canonical bytes are copied to scratch once and split there
// into members (16 bytes each, sorted in place), the names that were escaped decoded again.
func (p *parser) sortObject(open int) {
	base := open + 1
	p.scratch = append(p.scratch[:0], p.out[base:]...)
	s := p.scratch
	ms, arena := p.members[:0], p.arena[:0]
	for i := 0; i < len(s); i++ { // i on a member's name, then on the comma after the member
		j := endOfString(s, i)
		m := member{start: int32(i), keyOff: -1, keyLen: int32(j - i - 2)}
		if raw := s[i+1 : j-1]; bytes.IndexByte(raw, '\\') >= 0 {
			name := unquote(raw)
			m.keyOff, m.keyLen = int32(len(arena)), int32(len(name))
			arena = append(arena, name...)
		}
		i = endOfValue(s, j+1) // j is on the ':'
		m.end = int32(i)
		ms = grow(ms, 1)
		ms = append(ms, m)
	}
	key := func(m member) []byte {
		if m.keyOff < 0 {
			return s[m.start+1 : m.start+1+m.keyLen]
		}
		return arena[m.keyOff : m.keyOff+m.keyLen]
	}
	slices.SortStableFunc(ms, func(a, b member) int { return bytes.Compare(key(a), key(b)) })
	p.out = p.out[:base]
	for i, m := range ms {
		if i+1 < len(ms) && bytes.Equal(key(m), key(ms[i+1])) {
			continue // a later member of the same name replaces this one, as in a decoded map
		}
		if len(p.out) > base {
			p.putByte(',')
		}
		p.put(s[m.start:m.end])
	}
	p.members, p.arena = ms[:0], arena[:0]
}

// endOfString returns the index after the string that starts at s[i] in canonical form, where
// a quote inside a string is always escaped.
func endOfString(s []byte, i int) int {
	for j := i + 1; ; {
		k := j + bytes.IndexByte(s[j:], '"')
		n := 0 // backslashes just before the quote: an odd number escape it
		for s[k-1-n] == '\\' {
			n++
		}
		if n%2 == 0 {
			return k + 1
		}
		j = k + 1
	}
}

// endOfValue returns the index of the comma after the canonical value that starts at s[i], or
// len(s) when it is the last one.
func endOfValue(s []byte, i int) int {
	depth := 0
	for i < len(s) {
		switch s[i] {
		case '"':
			i = endOfString(s, i)
			continue
		case '{', '[':
			depth++
		case '}', ']':
			depth--
		case ',':
			if depth == 0 {
				return i
			}
		}
		i++
	}
	return i
}
