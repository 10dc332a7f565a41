package canon

import (
	"bytes"
	"encoding/binary"
	"math/bits"
	"slices"
)

// parser reads the input once, writing the canonical form to out. Objects are written member
// by member as they come; when an object ends and its members were not in order (or a name
// came twice), its part of out is rewritten sorted, keeping the last of equal names.
type parser struct {
	in        []byte
	pos       int
	out       []byte
	maxOut    int
	members   []member
	arena     []byte // decoded names of the open objects' members that had escapes
	scratch   []byte
	depth     int
	maxDepth  int
	values    int
	maxValues int
	caps      []Value
}

// member is one member of an open object: where it starts in out, and its decoded name, either
// in out just after the quote (keyOff < 0) or in the arena.
type member struct {
	start, keyOff, keyLen int32
	end                   int32 // set when the object is sorted
}

func (p *parser) key(m member) []byte {
	if m.keyOff < 0 {
		return p.out[m.start+1 : m.start+1+m.keyLen]
	}
	return p.arena[m.keyOff : m.keyOff+m.keyLen]
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

// skipWS moves past whitespace; the test for none at all is inlined at every call.
func (p *parser) skipWS() {
	if p.pos < len(p.in) && p.in[p.pos] > ' ' {
		return
	}
	p.skipWSRun()
}

func (p *parser) skipWSRun() {
	in, i := p.in, p.pos
	for i < len(in) && wsByte[in[i]] {
		i++
		// Indented profiles have runs of spaces after each newline: up to eight at a time,
		// counted as the zero bytes of a word XORed with eight spaces.
		for i+8 <= len(in) {
			x := binary.LittleEndian.Uint64(in[i:]) ^ 0x2020202020202020
			if x != 0 {
				i += bits.TrailingZeros64(x) >> 3
				break
			}
			i += 8
		}
	}
	p.pos = i
}

// wsByte marks JSON's whitespace.
var wsByte = [256]bool{' ': true, '\t': true, '\n': true, '\r': true}

// value reads one value at p.pos. ign are the ignored paths below it, capt the captured ones;
// when capt ends a capture path, a scalar value is captured.
func (p *parser) value(ign, capt *trie) error {
	p.skipWS()
	if p.pos >= len(p.in) {
		return p.fail(ErrSyntax, "unexpected end of input")
	}
	p.values++
	if p.maxValues > 0 && p.values > p.maxValues {
		return p.fail(ErrLimit, "more than %d values", p.maxValues)
	}
	switch c := p.in[p.pos]; {
	case c == '{':
		if capt != nil && capt.idx > 0 {
			p.caps[capt.idx-1] = Value{Kind: Object}
		}
		return p.object(ign, capt)
	case c == '[':
		if capt != nil && capt.idx > 0 {
			p.caps[capt.idx-1] = Value{Kind: Array}
		}
		return p.array()
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

// plainValue writes the string at p.pos when it is its own canonical form, the common case,
// and reports whether it did; value reads it otherwise, and every other kind of value.
func (p *parser) plainValue() bool {
	in := p.in
	if p.pos >= len(in) || in[p.pos] != '"' || (p.maxValues > 0 && p.values >= p.maxValues) {
		return false
	}
	i := p.pos + 1
	for i < len(in) && plainByte[in[i]] {
		i++
	}
	if i >= len(in) || in[i] != '"' {
		return false
	}
	p.values++
	p.put(in[p.pos : i+1])
	p.pos = i + 1
	return true
}

func (p *parser) enter() error {
	p.depth++
	if p.depth > p.maxDepth {
		return p.fail(ErrLimit, "nested deeper than %d", p.maxDepth)
	}
	return nil
}

func (p *parser) array() error {
	if err := p.enter(); err != nil {
		return err
	}
	p.pos++ // '['
	p.putByte('[')
	p.skipWS()
	if p.pos < len(p.in) && p.in[p.pos] == ']' {
		p.pos++
		p.putByte(']')
		p.depth--
		return nil
	}
	for {
		p.skipWS()
		if !p.plainValue() {
			if err := p.value(nil, nil); err != nil {
				return err
			}
		}
		p.skipWS()
		if p.pos >= len(p.in) {
			return p.fail(ErrSyntax, "unexpected end of input in an array")
		}
		switch p.in[p.pos] {
		case ',':
			p.pos++
			p.putByte(',')
		case ']':
			p.pos++
			p.putByte(']')
			p.depth--
			return nil
		default:
			return p.fail(ErrSyntax, "invalid character %q after an array element", p.in[p.pos])
		}
	}
}

func (p *parser) object(ign, capt *trie) error {
	if err := p.enter(); err != nil {
		return err
	}
	p.pos++ // '{'
	open := len(p.out)
	p.putByte('{')
	first, arenaMark := len(p.members), len(p.arena)
	p.skipWS()
	if p.pos < len(p.in) && p.in[p.pos] == '}' {
		p.pos++
		p.putByte('}')
		p.depth--
		return nil
	}
	for {
		p.skipWS()
		if p.pos >= len(p.in) || p.in[p.pos] != '"' {
			return p.fail(ErrSyntax, "object member name expected")
		}
		m := member{start: int32(len(p.out))}
		if len(p.members) > first {
			m.start++ // after the comma
			p.putByte(',')
		}
		start := p.pos
		plain, err := p.str()
		if err != nil {
			return err
		}
		raw := p.in[start:p.pos]
		var name []byte
		if plain {
			p.put(raw)
			m.keyOff, m.keyLen = -1, int32(len(raw)-2)
			name = raw[1 : len(raw)-1]
		} else {
			name = unquote(raw[1 : len(raw)-1])
			m.keyOff, m.keyLen = int32(len(p.arena)), int32(len(name))
			p.arena = append(p.arena, name...)
			if err := p.putString(name); err != nil {
				return err
			}
		}
		p.skipWS()
		if p.pos >= len(p.in) || p.in[p.pos] != ':' {
			return p.fail(ErrSyntax, "':' expected after an object member name")
		}
		p.pos++
		p.putByte(':')
		ci, cc := ign.child(name), capt.child(name)
		if cc != nil {
			p.clear(cc)
		}
		p.skipWS()
		if cc != nil || !p.plainValue() {
			if err := p.value(ci, cc); err != nil {
				return err
			}
		}
		if ci != nil && ci.idx > 0 { // an ignored member: drop what was written for it
			p.out = p.out[:m.start]
			if len(p.members) > first {
				p.out = p.out[:m.start-1] // and its comma
			}
		} else {
			p.members = grow(p.members, 1)
			p.members = append(p.members, m)
		}
		p.skipWS()
		if p.pos >= len(p.in) {
			return p.fail(ErrSyntax, "unexpected end of input in an object")
		}
		switch p.in[p.pos] {
		case ',':
			p.pos++
			continue
		case '}':
			p.pos++
		default:
			return p.fail(ErrSyntax, "invalid character %q after an object member", p.in[p.pos])
		}
		break
	}
	if len(p.members)-first > 1 {
		p.sortMembers(open, first)
	}
	p.putByte('}')
	p.members, p.arena = p.members[:first], p.arena[:arenaMark]
	p.depth--
	return nil
}

// sortMembers rewrites the members of the object opened at out[open] in name order, keeping the
// last of equal names, unless they already are in strict order (Aquilon writes them sorted).
// The members are sorted in place (16 bytes each) and the object's bytes copied once to scratch.
func (p *parser) sortMembers(open, first int) {
	ms := p.members[first:]
	sorted := true
	for i := 1; i < len(ms); i++ {
		if bytes.Compare(p.key(ms[i-1]), p.key(ms[i])) >= 0 {
			sorted = false
			break
		}
	}
	if sorted {
		return
	}
	for i := range ms {
		ms[i].end = int32(len(p.out))
		if i+1 < len(ms) {
			ms[i].end = ms[i+1].start - 1 // before the comma
		}
	}
	base := int32(open + 1)
	p.scratch = append(p.scratch[:0], p.out[base:]...)
	key := func(m member) []byte { // the name, read from scratch once out is rewritten
		if m.keyOff < 0 {
			return p.scratch[m.start-base+1 : m.start-base+1+m.keyLen]
		}
		return p.arena[m.keyOff : m.keyOff+m.keyLen]
	}
	slices.SortStableFunc(ms, func(a, b member) int { return bytes.Compare(key(a), key(b)) })
	p.out = p.out[:base]
	for i, m := range ms {
		if i+1 < len(ms) && bytes.Equal(key(m), key(ms[i+1])) {
			continue // a later member of the same name replaces this one, as in a decoded map
		}
		if len(p.out) > int(base) {
			p.putByte(',')
		}
		p.put(p.scratch[m.start-base : m.end-base])
	}
}
