package profilewatch

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// ErrNotJSON is wrapped when a profile body is not a JSON object.
var ErrNotJSON = errors.New("profile is not a JSON object")

// ParseProfile decodes a profile body. Anything after the object is refused, so a truncated
// or concatenated body is not mistaken for a profile. Numbers stay json.Number, exactly as
// written: as float64, integers past 2^53 (nanosecond stamps, serials) would round, and a change
// in one could leave the digest unchanged and the profile unbuilt.
func ParseProfile(body []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var p map[string]any
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotJSON, err)
	}
	if p == nil {
		return nil, fmt.Errorf("%w: null", ErrNotJSON)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: data after the object", ErrNotJSON)
	}
	return p, nil
}

// Digest is "sha256:<hex>" of the profile's canonical JSON (keys sorted, no whitespace), with
// the ignored paths removed. Canonical JSON makes the digest independent of key order and
// formatting, so a recompile that changes neither content nor ignored parts gives the same
// digest. p is not modified.
func Digest(p map[string]any, ignore []string) string {
	for _, path := range ignore {
		p = without(p, strings.Split(strings.Trim(path, "/"), "/"))
	}
	data, err := json.Marshal(p)
	if err != nil {
		// A map decoded from JSON always encodes; this is unreachable for ParseProfile's output.
		panic(fmt.Sprintf("encode profile: %v", err))
	}
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// without returns m with the object member at path removed, copying only the maps on the path so
// the caller's profile stays intact.
func without(m map[string]any, path []string) map[string]any {
	if len(path) == 0 {
		return m
	}
	child, ok := m[path[0]]
	if !ok {
		return m
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	if len(path) == 1 {
		delete(out, path[0])
		return out
	}
	sub, ok := child.(map[string]any)
	if !ok {
		return m
	}
	out[path[0]] = without(sub, path[1:])
	return out
}
