package canon

import "bytes"

// object reads the object at p.pos. The members' names are only compared with the previous
// one's as they come: an object found out of order is sorted from its canonical bytes when it
// ends (sortObject), so one in order, as Aquilon writes them all, costs no bookkeeping.
func (p *parser) object(ign, capt *trie) error {
	if err := p.enter(); err != nil {
		return err
	}
	in, out := p.in, p.out
	open := len(out)
	out = append(out, '{')
	ind, end := p.indents()
	var prev []byte // the name of the last member kept
	kept, sorted := 0, true
	i := p.pos + 1
	for first := true; ; first = false {
		i, ind = skipIndent(in, i, ind)
		if first && i < len(in) && in[i] == '}' {
			p.pos, p.out = i+1, append(out, '}')
			p.depth--
			return nil
		}
		if i >= len(in) || in[i] != '"' {
			p.pos, p.out = i, out
			return p.fail(ErrSyntax, "object member name expected")
		}
		start := len(out) // where the member starts, its comma included
		if kept > 0 {
			out = append(out, ',')
		}
		var name []byte
		// The name copied as it is scanned, its first two words inlined here and for the value
		// below (most are under 16 bytes, and a call costs more than a word).
		if buf := out[:cap(out)-1]; true { // room for the closing quote
			j, e := i+1, len(out)+1
			if k := firstWord(buf, e, in, j); k < 64 {
				j, e = j+k>>3, e+k>>3
			} else if k := firstWord(buf, e+8, in, j+8); k < 64 {
				j, e = j+8+k>>3, e+8+k>>3
			} else {
				j, e = copyPlain(buf, e, in, j)
			}
			if j < len(in) && in[j] == '"' && e <= len(buf) {
				buf[e-(j-i)] = '"'
				name, i, out = in[i+1:j], j+1, append(buf[:e], '"')
			}
		}
		if name == nil {
			p.pos, p.out = i, out
			n, err := p.name()
			if err != nil {
				return err
			}
			name, i, out = n, p.pos, p.out
		}
		if i+2 < len(in) && in[i] == ':' && in[i+1] == ' ' && in[i+2] > ' ' { // as indented
			i += 2
		} else {
			i = skipSpace(in, i)
			if i >= len(in) || in[i] != ':' {
				p.pos, p.out = i, out
				return p.fail(ErrSyntax, "':' expected after an object member name")
			}
			i = skipSpace(in, i+1)
		}
		out = append(out, ':')
		var ci, cc *trie
		if ign != nil || capt != nil {
			ci, cc = ign.child(name), capt.child(name)
		}
		plain := false
		if cc == nil && i < len(in) && in[i] == '"' && p.room > 0 {
			buf := out[:cap(out)-1]
			j, e := i+1, len(out)+1
			if k := firstWord(buf, e, in, j); k < 64 {
				j, e = j+k>>3, e+k>>3
			} else if k := firstWord(buf, e+8, in, j+8); k < 64 {
				j, e = j+8+k>>3, e+8+k>>3
			} else {
				j, e = copyPlain(buf, e, in, j)
			}
			if j < len(in) && in[j] == '"' && e <= len(buf) {
				buf[len(out)] = '"'
				i, out, plain = j+1, append(buf[:e], '"'), true
				p.room--
			}
		}
		if !plain {
			if cc != nil {
				p.clear(cc)
			}
			p.pos, p.out = i, out
			var err error
			if cc == nil && i < len(in) && in[i] == '{' && p.room > 0 {
				p.room-- // what value does before it calls object
				err = p.object(ci, nil)
			} else {
				err = p.value(ci, cc)
			}
			if err != nil {
				return err
			}
			i, out = p.pos, p.out
		}
		if ci != nil && ci.idx > 0 { // an ignored member: drop what was written for it
			out = out[:start]
		} else {
			if kept > 0 && sorted && (len(prev) == 0 || len(name) == 0 || prev[0] >= name[0]) &&
				bytes.Compare(prev, name) >= 0 { // only when the first bytes do not tell
				sorted = false
			}
			prev = name
			kept++
		}
		if i < len(in) && in[i] == ',' {
			i++
			continue
		}
		i, end = skipIndent(in, i, end)
		if i >= len(in) {
			p.pos, p.out = i, out
			return p.fail(ErrSyntax, "unexpected end of input in an object")
		}
		if c := in[i]; c == ',' {
			i++
			continue
		} else if c != '}' {
			p.pos, p.out = i, out
			return p.fail(ErrSyntax, "invalid character %q after an object member", c)
		}
		break
	}
	p.setIndents(ind, end)
	if !sorted {
		p.pos, p.out = i+1, out
		p.sortObject(open)
		out = p.out
	}
	p.pos, p.out = i+1, append(out, '}')
	p.depth--
	return nil
}

// indents are the guesses at the whitespace before the members or elements of a container at
// the current depth, and before its end: pretty-printed containers at one depth are indented
// alike.
func (p *parser) indents() (members, end indent) {
	if p.depth < len(p.indent) {
		return p.indent[p.depth], p.indent[p.depth-1]
	}
	return indent{}, indent{}
}

// setIndents keeps what a container at the current depth found for the next one.
func (p *parser) setIndents(members, end indent) {
	if p.depth < len(p.indent) {
		p.indent[p.depth], p.indent[p.depth-1] = members, end
	}
}

// name reads the member name at p.pos that is not its own canonical form, writes it canonical
// and returns it decoded.
func (p *parser) name() ([]byte, error) {
	start := p.pos
	if _, err := p.str(); err != nil {
		return nil, err
	}
	name := unquote(p.in[start+1 : p.pos-1])
	return name, p.putString(name)
}

// array reads the array at p.pos.
func (p *parser) array() error {
	if err := p.enter(); err != nil {
		return err
	}
	in, out := p.in, append(p.out, '[')
	ind, end := p.indents()
	i := p.pos + 1
	for first := true; ; first = false {
		i, ind = skipIndent(in, i, ind)
		if first && i < len(in) && in[i] == ']' {
			p.pos, p.out = i+1, append(out, ']')
			p.depth--
			return nil
		}
		plain := false
		if p.room > 0 {
			var next int
			if next, out, plain = plainString(out, in, i); plain {
				i = next
				p.room--
			}
		}
		if !plain {
			p.pos, p.out = i, out
			if err := p.value(nil, nil); err != nil {
				return err
			}
			i, out = p.pos, p.out
		}
		if i < len(in) && in[i] == ',' {
			i++
			out = append(out, ',')
			continue
		}
		i, end = skipIndent(in, i, end)
		if i >= len(in) {
			p.pos, p.out = i, out
			return p.fail(ErrSyntax, "unexpected end of input in an array")
		}
		switch c := in[i]; c {
		case ',':
			i++
			out = append(out, ',')
			continue
		case ']':
			p.pos, p.out = i+1, append(out, ']')
			p.setIndents(ind, end)
			p.depth--
			return nil
		default:
			p.pos, p.out = i, out
			return p.fail(ErrSyntax, "invalid character %q after an array element", c)
		}
	}
}
