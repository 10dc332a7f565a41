package canon

import (
	"bytes"
	"encoding/binary"
	"math/bits"
	"math/rand/v2"
	"testing"
)

// TestSpecial: the first byte special flags is the first that is not plainByte (roughlySpecial:
// or is '^', '|' or '~'), for every byte value at every position of a word, after plain bytes
// and before random ones.
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
				rough := 8
				for k, b := range w {
					if !plainByte[b] || b == '^' || b == '|' || b == '~' {
						rough = k
						break
					}
				}
				if got := bits.TrailingZeros64(roughlySpecial(binary.LittleEndian.Uint64(w[:]))) >> 3; got != rough {
					t.Fatalf("roughlySpecial(%q) flags byte %d first, want %d", w, got, rough)
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
		return append(b, `"x"                              `...)
	}
	matched := 0
	for range 100000 {
		learnt, tried := ws(), ws()
		ind := indentOf(learnt, 0, skipSpace(learnt, 0))
		tried = append([]byte("{"), tried...)
		if !indented(tried, 1, &ind) {
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
	for _, s := range []string{"\n\"x\"                                ", "\n        \"x\"                        "} {
		if indented([]byte(s), 0, &zero) {
			t.Errorf("the zero indent matches %q", s)
		}
	}
}

// TestTieBefore compares tieBefore with bytes.Compare on names of lengths up to 20 that share
// prefixes, end in zero bytes or are at the end of their backing array, when their keys are equal.
func TestTieBefore(t *testing.T) {
	names := [][]byte{nil, {}, {0}, {0, 0}}
	for _, s := range []string{"a", "ab", "ab\x00", "abc", "package-", "package-0", "package-000001", "package-000000",
		"package-0000010", "package-00000100", "package-000001000x", "version", "arch", "\xff\xff\xff\xff\xff\xff\xff\xff\xff",
		"ab\x00\x00\x00\x00\x00\x00\x01", "ab\x00\x00\x00\x00\x00\x00"} {
		names = append(names, []byte(s), []byte(s + "\x00\x00\x00\x00\x00\x00\x00\x00")[:len(s)],
			[]byte(s + "\xff\xff\xff\xff\xff\xff\xff\xff")[:len(s)])
	}
	ties := 0
	for _, a := range names {
		for _, b := range names {
			if key(a) != key(b) {
				continue
			}
			ties++
			if got, want := tieBefore(a, b), bytes.Compare(a, b) < 0; got != want {
				t.Errorf("tieBefore(%q, %q) = %v, want %v", a, b, got, want)
			}
		}
	}
	if ties < 100 {
		t.Errorf("only %d pairs with equal keys", ties)
	}
}

// TestKey: names whose keys differ compare as their keys do.
func TestKey(t *testing.T) {
	names := [][]byte{nil, {}, {0}, []byte("ab"), []byte("ab\x00"), []byte("abcdefgh"), []byte("abcdefgh0"), []byte("b"),
		[]byte("abcdefghij\xff\xff")[:9], []byte("ab\xff\xff\xff\xff\xff\xff\xff\xff")[:2], []byte("abcdefgi")}
	for _, a := range names {
		for _, b := range names {
			if ka, kb := key(a), key(b); ka != kb && (ka < kb) != (bytes.Compare(a, b) < 0) {
				t.Errorf("keys of %q and %q are %x and %x", a, b, ka, kb)
			}
		}
	}
}
