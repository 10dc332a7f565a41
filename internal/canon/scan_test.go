package canon

import (
	"encoding/binary"
	"math/bits"
	"math/rand/v2"
	"testing"
)

// TestSpecial: the first byte special flags is the first that is not plainByte, for every byte
// value at every position of a word, after plain bytes and before random ones.
func TestSpecial(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	var w [8]byte
	for pos := range 8 {
		for c := range 256 {
			for range 20 {
				for k := range w {
					switch {
					case k < pos:
						w[k] = byte(0x20 + r.IntN(0x60))
						for !plainByte[w[k]] {
							w[k] = byte(0x20 + r.IntN(0x60))
						}
					case k == pos:
						w[k] = byte(c)
					default:
						w[k] = byte(r.IntN(256))
					}
				}
				want := 8
				for k, b := range w {
					if !plainByte[b] {
						want = k
						break
					}
				}
				if got := bits.TrailingZeros64(special(binary.LittleEndian.Uint64(w[:]))) >> 3; got != want {
					t.Fatalf("special(%q) flags byte %d first, want %d", w, got, want)
				}
			}
		}
	}
}

// TestIndented: an indent learnt from some whitespace, tried on other whitespace, moves past
// exactly what skipSpace moves past, or does not match.
func TestIndented(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	ws := func() []byte {
		b := []byte{}
		if r.IntN(4) > 0 {
			b = append(b, '\n')
		}
		for range r.IntN(20) {
			b = append(b, " \t\n\r"[max(r.IntN(40)-36, 0)]) // mostly spaces
		}
		return append(b, `"x"              `...)
	}
	matched := 0
	for range 100000 {
		learnt, tried := ws(), ws()
		ind := indentOf(learnt, 0, skipSpace(learnt, 0))
		tried = append([]byte("{"), tried...)
		if !indented(tried, 1, ind) {
			continue
		}
		matched++
		if 2+ind.n != skipSpace(tried, 1) {
			t.Fatalf("indent %d learnt from %q matches %q, which skipSpace ends at %d", ind.n, learnt, tried, skipSpace(tried, 1))
		}
	}
	if matched < 1000 {
		t.Fatalf("only %d matches", matched)
	}
	var zero indent
	for _, s := range []string{"\n\"x\"                ", "\n        \"x\"        "} {
		if indented([]byte(s), 0, zero) {
			t.Errorf("the zero indent matches %q", s)
		}
	}
}
