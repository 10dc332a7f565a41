package canon

// number checks a JSON number at p.pos and moves past it.
func (p *parser) number() error {
	in, i := p.in, p.pos
	digits := func() int {
		n := 0
		for i < len(in) && in[i] >= '0' && in[i] <= '9' {
			i++
			n++
		}
		return n
	}
	if in[i] == '-' {
		i++
	}
	switch {
	case i < len(in) && in[i] == '0':
		i++
	case digits() == 0:
		p.pos = i
		return p.fail(ErrSyntax, "invalid number")
	}
	if i < len(in) && in[i] == '.' {
		i++
		if digits() == 0 {
			p.pos = i
			return p.fail(ErrSyntax, "invalid number")
		}
	}
	if i < len(in) && (in[i] == 'e' || in[i] == 'E') {
		i++
		if i < len(in) && (in[i] == '+' || in[i] == '-') {
			i++
		}
		if digits() == 0 {
			p.pos = i
			return p.fail(ErrSyntax, "invalid number")
		}
	}
	p.pos = i
	return nil
}
