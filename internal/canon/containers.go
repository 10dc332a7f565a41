package canon

// document reads the object at p.pos (the document's root, its value counted and captured) and
// everything in it, in one loop rather than a call for each container: a profile has thousands
// of small objects, and a call for each, with its state saved and restored, cost more than
// reading them. The containers open are a chain of frames from p.base; the loop keeps the input
// position and the canonical form in local variables, and writes them back to the parser before
// it hands what it does not expect to the general code (memberName, scalar, sortObject, fail).
//
// The members' names are only compared with the previous one's as they come: an object found
// out of order is sorted from its canonical bytes when it ends (sortObject), so one in order, as
// Aquilon writes them all, costs no bookkeeping.
func (p *parser) document(ign, capt *trie) error {
	in, out, i := p.in[:len(p.in):len(p.in)], p.out, p.pos
	var (
		f     = p.base // the innermost container open
		name  []byte   // of the member being read
		k     uint64   // its key
		start int      // where it starts in out, its comma included
	)
open: // in[i] is the '{' or '[' of a container, counted and captured, with paths ign and capt
	if f.child == nil {
		f.child = &frame{parent: f, depth: f.depth + 1}
	}
	if f = f.child; f.depth > p.maxDepth {
		p.pos, p.out = i, out
		return p.fail(ErrLimit, "nested deeper than %d", p.maxDepth)
	}
	opener := in[i]
	f.ign, f.capt, f.open, f.kept, f.sorted, f.array = ign, capt, len(out), false, true, opener == '['
	out = append(out, opener)
	i++
	if indented(in, i, &f.ind) {
		i += 1 + f.ind.n
	} else {
		i = reindent(in, i, &f.ind)
	}
	if i < len(in) && in[i] == opener+2 { // '{'+2 is '}', '['+2 is ']'
		i++
		goto closed
	}
	goto first

next: // i just after the comma after a member or an element
	if indented(in, i, &f.ind) {
		i += 1 + f.ind.n
	} else {
		i = reindent(in, i, &f.ind)
	}
first:
	if f.array {
		goto element
	}
	// member: i on a member's name
	start = len(out)
	if f.kept {
		out = append(out, ',')
	}
	// A name under 16 bytes that is its own canonical form, and the ": " after it as indented, are
	// read from a window of fixed size (no index checked), the name copied eight bytes at a time;
	// the rest go the general way.
	name = nil
	if o := len(out); i+20 <= len(in) && o+19 <= cap(out) {
		s, d := in[i:i+20:i+20], out[o:o+19:o+19]
		n := plainWord(d[1:9], s[1:9])
		if n == 8 {
			n += plainWord(d[9:17], s[9:17])
		}
		if n < 16 && s[0] == '"' {
			if x := le32(s[n+1 : n+5]); x&0xffffff == '"'|':'<<8|' '<<16 && x>>24 > ' ' {
				d[0], d[n+1], d[n+2] = '"', '"', ':'
				name, i, out = s[1:n+1], i+int(n)+4, out[:o+int(n)+3]
				k = beWord(s[1:9]) & keyMask[n&15]
			}
		}
	}
	if name == nil {
		var err error
		if i >= len(in) || in[i] != '"' {
			p.pos, p.out = i, out
			return p.fail(ErrSyntax, "object member name expected")
		}
		p.pos, p.out = i, out
		if name, err = p.memberName(); err != nil {
			return err
		}
		k = key(name)
		i, out = p.pos, p.out
	}
	if f.ign != nil || f.capt != nil {
		goto paths
	}
	// Compared with the previous name now, the value not yet read.
	if f.kept && f.prevKey >= k && (f.prevKey > k || !tieBefore(f.prev, name)) {
		f.sorted = false
	}
	f.prev, f.prevKey, f.kept, f.drop = name, k, true, -1
	if p.room--; p.room < 0 {
		p.pos, p.out = i, out
		return p.tooMany()
	}
	if i < len(in) {
		switch c := in[i]; c {
		case '"': // as the name
			if o := len(out); i+17 <= len(in) && o+18 <= cap(out) {
				s, d := in[i:i+17:i+17], out[o:o+18:o+18]
				n := plainWord(d[1:9], s[1:9])
				if n == 8 {
					n += plainWord(d[9:17], s[9:17])
				}
				if n < 16 && s[n+1] == '"' {
					d[0], d[n+1] = '"', '"'
					i, out = i+int(n)+2, out[:o+int(n)+2]
					goto kept
				}
			}
			var ok bool
			if i, out, ok = plainString(out, in, i); ok {
				goto kept
			}
		case '{', '[':
			ign, capt = nil, nil
			goto open
		}
	}
	p.pos, p.out = i, out
	if err := p.scalar(nil); err != nil {
		return err
	}
	i, out = p.pos, p.out
kept: // the member's value read, i just after it
	if f.drop >= 0 { // an ignored member: drop what was written for it
		out = out[:f.drop]
	}
	if i < len(in) && in[i] == ',' {
		i++
		goto next
	}
	if indented(in, i, &f.end) {
		i += 1 + f.end.n
	} else {
		i = reindent(in, i, &f.end)
	}
	if i < len(in) && in[i] == ',' {
		i++
		goto next
	}
	if i >= len(in) || in[i] != '}' {
		p.pos, p.out = i, out
		return p.unexpected("after an object member")
	}
	i++
	goto closed

element: // i on an element
	if p.room--; p.room < 0 {
		p.pos, p.out = i, out
		return p.tooMany()
	}
	if i < len(in) {
		switch c := in[i]; c {
		case '"':
			var ok bool
			if i, out, ok = plainString(out, in, i); ok {
				goto done
			}
		case '{', '[':
			ign, capt = nil, nil
			goto open
		}
	}
	p.pos, p.out = i, out
	if err := p.scalar(nil); err != nil {
		return err
	}
	i, out = p.pos, p.out
done: // the element read, i just after it
	switch i = f.delimiter(in, i); {
	case i < len(in) && in[i] == ',':
		i++
		out = append(out, ',')
		goto next
	case i >= len(in) || in[i] != ']':
		p.pos, p.out = i, out
		return p.unexpected("after an array element")
	}
	i++

closed: // i just after the '}' or ']' of the container of frame f
	if !f.sorted {
		p.pos, p.out = i, out
		p.sortObject(f.open)
		out = p.out
	}
	out = append(out, in[i-1])
	if f = f.parent; f.depth == 0 {
		p.pos, p.out = i, out
		return nil
	}
	if f.array {
		goto done
	}
	goto kept

paths: // a member of an object with paths below it: i on its value
	if ci, cc := f.ign.child(name), f.capt.child(name); true {
		if cc != nil {
			p.clear(cc)
		}
		if p.room--; p.room < 0 {
			p.pos, p.out = i, out
			return p.tooMany()
		}
		if ci != nil && ci.idx > 0 {
			f.drop = start // an ignored member
		} else {
			if f.kept && f.prevKey >= k && (f.prevKey > k || !tieBefore(f.prev, name)) {
				f.sorted = false
			}
			f.prev, f.prevKey, f.kept, f.drop = name, k, true, -1
		}
		if i < len(in) && (in[i] == '{' || in[i] == '[') {
			ign, capt = ci, cc
			if in[i] == '[' {
				ign, capt = nil, nil
			}
			if cc != nil && cc.idx > 0 {
				p.caps[cc.idx-1] = Value{Kind: containerKind(in[i])}
			}
			goto open
		}
		p.pos, p.out = i, out
		if err := p.scalar(cc); err != nil {
			return err
		}
		i, out = p.pos, p.out
	}
	goto kept
}
