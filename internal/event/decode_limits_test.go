package event

import (
	"bytes"
	"errors"
	"runtime"
	"strings"
	"testing"

	"github.com/packuilon/packuilon/internal/canon"
)

// TestDecodeHostileArray: a message under the size cap that is a JSON array of 60 million small
// numbers inside a profile-looking object is refused while it is read (too many values), and
// decoding it allocates a small multiple of its size, not the gigabytes a decoded tree takes.
func TestDecodeHostileArray(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 120 MB message")
	}
	var b bytes.Buffer
	b.Grow(120<<20 + 64)
	b.WriteString(`{"system":[0`)
	for b.Len() < 120<<20 {
		b.WriteString(",0,0,0,0,0,0,0,0")
	}
	b.WriteString("]}")
	body := b.Bytes()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, _, err := Decode(body)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrInvalid) || !errors.Is(err, canon.ErrLimit) {
		t.Fatalf("err = %v, want ErrInvalid and canon.ErrLimit", err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > uint64(len(body)) {
		t.Errorf("decoding a %d-byte message allocated %d bytes, more than its size", len(body), alloc)
	}
}

// TestDecodeLegacyDigest: a whole profile gets the digest the watcher gives it (same
// IGNORE_PATHS), so the builder's fingerprint follows its content; the skeleton is forced.
func TestDecodeLegacyDigest(t *testing.T) {
	body := readProfile(t, "profile-domain-sl7.json")
	ignore := []string{"/system/network/interfaces"}
	_, want, err := ReadProfile(body, ProfileOptions{IgnorePaths: ignore})
	if err != nil {
		t.Fatal(err)
	}
	r, _, err := Decoder{IgnorePaths: ignore}.Decode(body)
	if err != nil || r.ProfileDigest != want || r.Force {
		t.Fatalf("digest %q (want %q), force %v, err %v", r.ProfileDigest, want, r.Force, err)
	}
	moved := strings.Replace(string(body), `"interfaces": {`, `"interfaces": {"eth7": {},`, 1)
	if r2, _, _ := (Decoder{IgnorePaths: ignore}).Decode([]byte(moved)); r2.ProfileDigest != want {
		t.Errorf("a change in an ignored path changed the digest")
	}
	if r3, _, _ := Decode([]byte(moved)); r3.ProfileDigest == want {
		t.Errorf("without IGNORE_PATHS a change must change the digest")
	}
	s, _, err := Decode([]byte(skeleton))
	if err != nil || !s.Force || s.ProfileDigest != "" || s.Reason != ReasonManual {
		t.Errorf("skeleton: %+v, %v", s, err)
	}
}
