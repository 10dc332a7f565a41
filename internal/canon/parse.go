package canon

import (
	"bytes"
	"encoding/binary"
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
	root      bool
	keys      []string
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

func (p *parser) skipWS() {
	in, i := p.in, p.pos
	for i < len(in) && in[i] <= ' ' {
		switch in[i] {
		case ' ', '\n', '\t', '\r':
			i++
			// Indented profiles have long runs of spaces: eight at a time.
			for i+8 <= len(in) && binary.LittleEndian.Uint64(in[i:]) == 0x2020202020202020 {
				i += 8
			}
		default:
			p.pos = i
			return
		}
	}
	p.pos = i
}

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
		return p.object(ign, capt)
	case c == '[':
		return p.array()
	case c == '"':
		start := p.pos
		plain, err := p.str()
		if err != nil {
			return err
		}
		raw := p.in[start:p.pos]
		if plain {
			p.out = append(p.out, raw...)
		} else {
			p.out = appendString(p.out, unquote(raw[1:len(raw)-1]))
			if len(p.out) > p.maxOut {
				return p.fail(ErrLimit, "canonical form over %d bytes", p.maxOut)
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
		p.out = append(p.out, p.in[start:p.pos]...)
		if capt != nil && capt.idx > 0 {
			p.caps[capt.idx-1] = Value{Kind: Number, Text: string(p.in[start:p.pos])}
		}
	default:
		lit, err := p.literal()
		if err != nil {
			return err
		}
		p.out = append(p.out, lit...)
		if capt != nil && capt.idx > 0 {
			p.caps[capt.idx-1] = Value{Kind: Literal, Text: string(lit)}
		}
	}
	return nil
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
	p.out = append(p.out, '[')
	p.skipWS()
	if p.pos < len(p.in) && p.in[p.pos] == ']' {
		p.pos++
		p.out = append(p.out, ']')
		p.depth--
		return nil
	}
	for {
		if err := p.value(nil, nil); err != nil {
			return err
		}
		p.skipWS()
		if p.pos >= len(p.in) {
			return p.fail(ErrSyntax, "unexpected end of input in an array")
		}
		switch p.in[p.pos] {
		case ',':
			p.pos++
			p.out = append(p.out, ',')
		case ']':
			p.pos++
			p.out = append(p.out, ']')
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
	root := p.root
	p.root = false
	p.pos++ // '{'
	open := len(p.out)
	p.out = append(p.out, '{')
	first, arenaMark := len(p.members), len(p.arena)
	p.skipWS()
	if p.pos < len(p.in) && p.in[p.pos] == '}' {
		p.pos++
		p.out = append(p.out, '}')
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
			p.out = append(p.out, ',')
		}
		start := p.pos
		plain, err := p.str()
		if err != nil {
			return err
		}
		raw := p.in[start:p.pos]
		var name []byte
		if plain {
			p.out = append(p.out, raw...)
			m.keyOff, m.keyLen = -1, int32(len(raw)-2)
			name = raw[1 : len(raw)-1]
		} else {
			name = unquote(raw[1 : len(raw)-1])
			m.keyOff, m.keyLen = int32(len(p.arena)), int32(len(name))
			p.arena = append(p.arena, name...)
			p.out = appendString(p.out, name)
			if len(p.out) > p.maxOut {
				return p.fail(ErrLimit, "canonical form over %d bytes", p.maxOut)
			}
		}
		if root && !slices.Contains(p.keys, string(name)) {
			p.keys = append(p.keys, string(name))
		}
		p.skipWS()
		if p.pos >= len(p.in) || p.in[p.pos] != ':' {
			return p.fail(ErrSyntax, "':' expected after an object member name")
		}
		p.pos++
		p.out = append(p.out, ':')
		ci, cc := ign.child(name), capt.child(name)
		p.clear(cc)
		if err := p.value(ci, cc); err != nil {
			return err
		}
		if ci != nil && ci.idx > 0 { // an ignored member: drop what was written for it
			p.out = p.out[:m.start]
			if len(p.members) > first {
				p.out = p.out[:m.start-1] // and its comma
			}
		} else {
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
	p.sortMembers(open, first)
	p.out = append(p.out, '}')
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
			p.out = append(p.out, ',')
		}
		p.out = append(p.out, p.scratch[m.start-base:m.end-base]...)
	}
}
