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
// plainByte, and maybe in later ones. The special bytes are those under 0x20 (flagged by w minus
// 0x20 in each byte), '"' and '&' (which differ in bit 2 only), '<' and '>' (bit 1) and '\\',
// flagged where w's byte, so masked, XORed with them is 0 (0 minus 1 has the high bit set), and
// those from 0x80: XORed with each of the three, a byte from 0x80 stays from 0x80, and from
// 0x81, so flagged, for two of them at least. A subtraction only borrows from the byte after a
// special one.
func special(w uint64) uint64 {
	quoteAmp := (w | 4*ones) ^ 0x26*ones
	angles := (w | 2*ones) ^ 0x3e*ones
	backslash := w ^ 0x5c*ones
	return ((w - 0x20*ones) | (quoteAmp - ones) | (angles - ones) | (backslash - ones)) & highs
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
	n int
	// skip are the bytes of the word at the newline that are not the newline or one of the n
	// spaces (none in the zero indent, which no input matches), hi those of the next word that
	// are spaces.
	skip, hi uint64
}

// indentOf is the indent of the whitespace in[i:j] (the zero indent when it is not a newline
// and at most 15 spaces).
func indentOf(in []byte, i, j int) indent {
	n := j - i - 1
	if i >= len(in) || in[i] != '\n' || n > 15 {
		return indent{}
	}
	return indent{n: n, skip: ^(^uint64(0) >> (64 - 8*min(n+1, 8))), hi: ^uint64(0) >> (64 - 8*max(n-7, 0))}
}

// indented reports whether in[i:] starts with the newline and spaces of ind, then a byte that is
// not whitespace.
func indented(in []byte, i int, ind indent) bool {
	if i+17 > len(in) { // two words and the byte after 15 spaces
		return false
	}
	a := binary.LittleEndian.Uint64(in[i:]) ^ (0x20*ones - 0x20 + '\n')
	b := binary.LittleEndian.Uint64(in[i+8:]) ^ 0x20*ones
	return a&^ind.skip|b&ind.hi == 0 && in[i+1+ind.n] > ' '
}

// skipIndent moves past the whitespace at in[i], checked against ind first, and returns the
// new index and the indent to expect next time.
func skipIndent(in []byte, i int, ind indent) (int, indent) {
	if indented(in, i, ind) {
		return i + 1 + ind.n, ind
	}
	if j := skipSpace(in, i); j != i {
		return j, indentOf(in, i, j)
	}
	return i, ind
}

// firstWord copies the word at src[i] to dst[o] and returns 8 times the number of its bytes
// that are plain before the first that is not (64 when all are), or 64 when either slice is
// too short for a word. It is inlined where a string starts, as most names and values in a
// profile are shorter than eight bytes; copyPlain goes on when it returns 64.
func firstWord(dst []byte, o int, src []byte, i int) int {
	if i+8 > len(src) || o+8 > len(dst) {
		return 64
	}
	w := binary.LittleEndian.Uint64(src[i:])
	binary.LittleEndian.PutUint64(dst[o:], w)
	return bits.TrailingZeros64(special(w))
}
