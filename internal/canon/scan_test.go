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
