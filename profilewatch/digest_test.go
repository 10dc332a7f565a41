package profilewatch

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/packuilon/packuilon/internal/event"
)

func TestDigest(t *testing.T) {
	a := []byte(`{"system":{"a":1,"b":{"c":"x","stamp":"t1"}},"meta":[1,2]}`)
	reordered := []byte("{\n \"meta\": [1, 2],\n \"system\": {\"b\": {\"stamp\": \"t1\", \"c\": \"x\"}, \"a\": 1}\n}")
	stamped := []byte(`{"system":{"a":1,"b":{"c":"x","stamp":"t2"}},"meta":[1,2]}`)
	changed := []byte(`{"system":{"a":2,"b":{"c":"x","stamp":"t1"}},"meta":[1,2]}`)
	// 2^53 and 2^53+1 are one float64: only exact numbers tell them apart.
	big := []byte(`{"system":{"a":9007199254740992}}`)
	bigger := []byte(`{"system":{"a":9007199254740993}}`)
	ignore := []string{"/system/b/stamp", "/not/there", "/meta/0"}
	digest := func(b []byte, ignore []string) string {
		d, err := Digest(b, ignore)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	for _, tc := range []struct {
		name   string
		p, q   []byte
		ignore []string
		same   bool
	}{
		{"formatting and key order do not count", a, reordered, nil, true},
		{"a changed value counts", a, changed, nil, false},
		{"an ignored path does not count", a, stamped, ignore, true},
		{"without the ignore it counts", a, stamped, nil, false},
		{"a change outside the ignored paths counts", a, changed, ignore, false},
		{"a change in an integer past 2^53 counts", big, bigger, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if same := digest(tc.p, tc.ignore) == digest(tc.q, tc.ignore); same != tc.same {
				t.Errorf("same digest = %v, want %v", same, tc.same)
			}
		})
	}
	if d := digest(a, nil); !strings.HasPrefix(d, "blake3:") || len(d) != 71 {
		t.Errorf("digest %q is not blake3:<64 hex>", d)
	}
	// The SHA-256 of the sample is the digest the watcher cached before BLAKE3 (decode to a map
	// with UseNumber, json.Marshal, sha256): the digest of the same canonical bytes, so caches
	// of earlier versions are still compared right.
	sl7 := readTestdata(t, "profile-domain-sl7.json")
	_, d, sha, err := event.ReadProfileWithSHA256(sl7, event.ProfileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if sha != "sha256:3ad662020ae0c5936eda8b260aba6281c0928502992f15f19ced1111213a055a" {
		t.Errorf("sample SHA-256 %s changed", sha)
	}
	if d != digest(sl7, nil) || d != "blake3:40a886d17f71af673c5fda6a33cc75f9c0b33a22938a717d3f55aa4abba84ead" {
		t.Errorf("sample digest %s changed", d)
	}
}

func TestDigestRefuses(t *testing.T) {
	for _, body := range []string{``, `null`, `[]`, `"x"`, `{"a":1`, `{"a":1}{"b":2}`, "\x1f\x8b garbage"} {
		if _, err := Digest([]byte(body), nil); !errors.Is(err, ErrNotJSON) {
			t.Errorf("%q: err = %v, want ErrNotJSON", body, err)
		}
	}
}

func FuzzParseProfile(f *testing.F) {
	// The samples cut down to the paths packuilon reads: whole 9 KB profiles as seeds stall Go's
	// mutator (no executions after the baseline), and the rest of a profile is opaque to the code.
	for _, file := range []string{"profile-domain-sl7.json", "profile-sandbox-rocky8.json"} {
		data, err := os.ReadFile(filepath.Join("testdata", file))
		if err != nil {
			f.Fatal(err)
		}
		var p map[string]any
		if err := json.Unmarshal(data, &p); err != nil {
			f.Fatal(err)
		}
		sys := p["system"].(map[string]any)
		seed, _ := json.Marshal(map[string]any{"metadata": p["metadata"], "system": map[string]any{
			"archetype": sys["archetype"], "os": sys["os"], "personality": sys["personality"],
			"network": map[string]any{"hostname": sys["network"].(map[string]any)["hostname"]},
		}})
		f.Add(seed)
	}
	f.Add([]byte(`{"system":{"personality":{"name":"../../etc"}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		spec, d1, err := event.ReadProfile(data, event.ProfileOptions{IgnorePaths: []string{"/system/network", "/metadata"}})
		if err != nil {
			return
		}
		if d2, _ := Digest(data, []string{"/system/network", "/metadata"}); d1 != d2 {
			t.Fatalf("digest is not deterministic: %s != %s", d1, d2)
		}
		if !event.ValidImageKey(spec.ImageKey()) {
			t.Fatalf("profile gave an unsafe image key %q", spec.ImageKey())
		}
	})
}

func TestNotification(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{"cdb\x001718963105", true},
		{"cdb 1718963105", true},
		{"cdb|1718963105\n", true},
		{"cdb\x001", true},
		{"cdb\x00", false},
		{"cdb1718963105", true}, // '1' is the separator byte, the rest are digits
		{"cdb\x00171896310x", false},
		{"xyz\x001718963105", false},
		{"cdb\x00123456789012345678901", false},
		{"", false},
	} {
		if _, ok := ParseNotification([]byte(tc.in)); ok != tc.ok {
			t.Errorf("%q: ok = %v, want %v", tc.in, ok, tc.ok)
		}
	}
}

func FuzzParseNotification(f *testing.F) {
	f.Add([]byte("cdb\x001718963105"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ts, ok := ParseNotification(b)
		if ok && (len(ts) == 0 || strings.Trim(ts, "0123456789") != "") {
			t.Fatalf("accepted %q with time %q", b, ts)
		}
	})
}
