package canon

import (
	"encoding/binary"
	"math/bits"
)

// The hot loops (object, array) keep the input position and the canonical form in local
// variables and scan eight bytes at a time; what they do not expect, they hand to the general
// code (value, str) with the state written back to the parser.

// skipWS moves past whitespace; the test for none at all is inlined at every call.
func (p *parser) skipWS() {
	p.pos = skipSpace(p.in, p.pos)
}

// skipSpace returns the index of the first non-whitespace byte of in at or after i.
func skipSpace(in []byte, i int) int {
	if i < len(in) && in[i] > ' ' {
		return i
	}
	return skipSpaceRun(in, i)
}

func skipSpaceRun(in []byte, i int) int {
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
	return i
}

// wsByte marks JSON's whitespace.
var wsByte = [256]bool{' ': true, '\t': true, '\n': true, '\r': true}

const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// special has the high bit set in the byte of w (little endian) of the first byte that is not
// plainByte, and possibly in later ones: a byte under 0x20 or from 0x80, '"', '&', '<', '>' or
// '\\'. A byte v-ones has its high bit set where v is 0 or from 0x80 (the latter only where w
// is from 0x80, itself special); the borrow of a subtraction only flags bytes after a special one.
func special(w uint64) uint64 {
	quoteAmp := (w | 4*ones) ^ 0x26*ones // '"' (0x22) and '&' (0x26) differ in bit 2 only
	angles := (w | 2*ones) ^ 0x3e*ones   // '<' (0x3c) and '>' (0x3e) differ in bit 1 only
	backslash := w ^ 0x5c*ones
	return (w | (w - 0x20*ones) | (quoteAmp - ones) | (angles - ones) | (backslash - ones)) & highs
}

// copyPlain copies the plainByte bytes of src from i to dst from o, stopping before the first
// other byte, at the end of src or when dst is full; it returns both new indexes. Words are
// copied whole, so dst may be written past the returned o.
func copyPlain(dst []byte, o int, src []byte, i int) (int, int) {
	for i+8 <= len(src) && o+8 <= len(dst) {
		w := binary.LittleEndian.Uint64(src[i:])
		binary.LittleEndian.PutUint64(dst[o:], w)
		if m := special(w); m != 0 {
			k := bits.TrailingZeros64(m) >> 3
			return i + k, o + k
		}
		i += 8
		o += 8
	}
	for i < len(src) && o < len(dst) && plainByte[src[i]] {
		dst[o] = src[i]
		i++
		o++
	}
	return i, o
}

// plainString copies the string at in[i] (on its opening quote) to the end of out when it is
// its own canonical form; ok is false, and i and out unchanged, otherwise.
func plainString(out, in []byte, i int) (next int, res []byte, ok bool) {
	o := len(out)
	buf := out[:cap(out)]
	if i >= len(in) || in[i] != '"' || o+2 > len(buf) {
		return i, out, false
	}
	j, e := copyPlain(buf[:len(buf)-1], o+1, in, i+1)
	if j >= len(in) || in[j] != '"' {
		return i, out, false
	}
	buf[o], buf[e] = '"', '"'
	return j + 1, buf[:e+1], true
}

// indent is a guess at the whitespace before the next member or element of a pretty-printed
// container: a newline and n spaces, as before the last one. indented checks it with two
// word loads and branches the processor predicts, where skipSpace counts the spaces.
type indent struct {
	n      int
	lo, hi uint64 // the bytes of the two words after the newline that must be spaces
}

// indentOf is the indent of the whitespace in[i:j] (0 spaces when it is not a newline and at
// most 16 spaces).
func indentOf(in []byte, i, j int) indent {
	n := j - i - 1
	if i >= len(in) || in[i] != '\n' || n > 16 {
		return indent{}
	}
	return indent{n: n, lo: ^uint64(0) >> (64 - 8*min(n, 8)), hi: ^uint64(0) >> (64 - 8*max(n-8, 0))}
}

// indented reports whether in[i:] starts with the newline and spaces of ind, then a byte that is
// not whitespace.
func indented(in []byte, i int, ind indent) bool {
	if i+17 > len(in) || in[i] != '\n' {
		return false
	}
	a := binary.LittleEndian.Uint64(in[i+1:]) ^ 0x20*ones
	b := binary.LittleEndian.Uint64(in[i+9:]) ^ 0x20*ones
	return a&ind.lo|b&ind.hi == 0 && in[i+1+ind.n] > ' '
}
