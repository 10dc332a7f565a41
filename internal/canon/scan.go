package canon

import (
	"encoding/binary"
	"math/bits"
)

// The hot loop (document) keeps the input position and the canonical form in local variables
// and scans eight bytes at a time; what it does not expect, it hands to the general code
// (memberName, scalar, str) with the state written back to the parser.

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

// roughlySpecial is special with three more bytes flagged, '^', '|' and '~', for three operations
// less: '<', '>' and '\\' are flagged together (ORed with 0x62 they are 0x7e, as are those three and
// two bytes under 0x20). A byte it flags that special does not sends a string the general way,
// which is exact. Bytes from 0x80 are flagged as in special (ORed with 0x04 or 0x62, XORed with
// 0x26 or 0x7e, they are 0x80 for disjoint sets of bytes).
func roughlySpecial(w uint64) uint64 {
	quoteAmp := (w | 4*ones) ^ 0x26*ones
	others := (w | 0x62*ones) ^ 0x7e*ones
	return ((w - 0x20*ones) | (quoteAmp - ones) | (others - ones)) & highs
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
// not whitespace. Its bytes are read from a window of fixed size (so no index is checked) and
// the input is taken as not indented in its last 32 bytes.
func indented(in []byte, i int, ind *indent) bool {
	if i+32 > len(in) {
		return false
	}
	s := in[i : i+32 : i+32]
	a := binary.LittleEndian.Uint64(s[0:8]) ^ (0x20*ones - 0x20 + '\n')
	b := binary.LittleEndian.Uint64(s[8:16]) ^ 0x20*ones
	return a&^ind.skip|b&ind.hi == 0 && s[(ind.n+1)&31] > ' '
}

// reindent moves past the whitespace at in[i] that is not as *ind expected (checked with
// indented, inlined where it is called) and returns the new index; *ind becomes the indent to
// expect next time.
func reindent(in []byte, i int, ind *indent) int {
	if j := skipSpace(in, i); j != i {
		*ind = indentOf(in, i, j)
		return j
	}
	return i
}

// le32 is the first four bytes of b as a little-endian word.
func le32(b []byte) uint32 { return binary.LittleEndian.Uint32(b) }

// beWord is the first eight bytes of b as a big-endian word: words compare as the bytes do.
func beWord(b []byte) uint64 { return binary.BigEndian.Uint64(b) }

// plainWord copies the eight bytes of s to d and returns how many of them are plainByte before
// the first that is not, or before a '^', '|' or '~' (roughlySpecial); 8 when none is. Given
// windows of eight bytes, it checks no index.
func plainWord(d, s []byte) uint {
	w := binary.LittleEndian.Uint64(s)
	binary.LittleEndian.PutUint64(d, w)
	return uint(bits.TrailingZeros64(roughlySpecial(w))) >> 3
}
