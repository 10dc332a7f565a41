package canon

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zeebo/blake3"
)

// referenceDigest is the digest of the canonical form as the watcher made it before this package:
// decode to a map with UseNumber, remove the ignored paths, json.Marshal; then BLAKE3, and the
// SHA-256 that caches of earlier versions hold.
func referenceDigest(body []byte, ignore []string) (digest, sha string, err error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var p map[string]any
	if err := dec.Decode(&p); err != nil {
		return "", "", err
	}
	if p == nil {
		return "", "", errors.New("null")
	}
	if dec.More() {
		return "", "", errors.New("data after the object")
	}
	for _, path := range ignore {
		p = refWithout(p, strings.Split(strings.Trim(path, "/"), "/"))
	}
	data, err := json.Marshal(p)
	if err != nil {
		return "", "", err
	}
	b3, sum := blake3.Sum256(data), sha256.Sum256(data)
	return "blake3:" + hex.EncodeToString(b3[:]), "sha256:" + hex.EncodeToString(sum[:]), nil
}

func refWithout(m map[string]any, path []string) map[string]any {
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
	out[path[0]] = refWithout(sub, path[1:])
	return out
}

var testIgnores = [][]string{
	nil,
	{"/system/network/interfaces"},
	{"/metadata", "/hardware/cards/nic/eth0/hwaddr", "/a/b", "/a"},
	{"/x/y/z", ""},
}

// checkSame fails unless Read and the reference agree on body: the same digests when both
// accept it (ReadWithSHA256 also the SHA-256, and Read the same BLAKE3 as ReadWithSHA256); when
// only the reference accepts it, Read must have refused it by a limit or for data after the
// object (which the old check let through when it began with ']' or '}').
func checkSame(t *testing.T, body []byte, ignore []string) {
	t.Helper()
	want, wantSHA, refErr := referenceDigest(body, ignore)
	c := Compile(Options{Ignore: ignore})
	doc, err := c.ReadWithSHA256(body)
	if plain, perr := c.Read(body); (perr == nil) != (err == nil) || plain.Digest != doc.Digest || plain.SHA256 != "" {
		t.Fatalf("Read (%q, %v) and ReadWithSHA256 (%q, %v) disagree, or Read took the SHA-256", plain.Digest, perr, doc.Digest, err)
	}
	switch {
	case err == nil && refErr != nil:
		t.Fatalf("Read accepts what encoding/json refuses (%v): %q", refErr, body)
	case err != nil && !errors.Is(err, ErrSyntax) && !errors.Is(err, ErrLimit):
		t.Fatalf("error wraps neither ErrSyntax nor ErrLimit: %v", err)
	case err != nil && refErr == nil && !errors.Is(err, ErrLimit) && !strings.Contains(err.Error(), "data after"):
		t.Fatalf("Read refuses what encoding/json accepts: %v: %q", err, body)
	case err == nil && (doc.Digest != want || doc.SHA256 != wantSHA):
		t.Fatalf("ignore %q: digests %s %s, want %s %s, for %q", ignore, doc.Digest, doc.SHA256, want, wantSHA, body)
	}
}

func TestDigestSamples(t *testing.T) {
	files, _ := filepath.Glob("../../profilewatch/testdata/*.json")
	more, _ := filepath.Glob("../event/testdata/*.json")
	files = append(files, more...)
	if len(files) < 3 {
		t.Fatalf("samples not found: %v", files)
	}
	for _, f := range files {
		body, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, ign := range testIgnores {
			checkSame(t, body, ign)
		}
	}
}

func TestDigestGenerated(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 400 {
		body := genDoc(r, i%3 == 0)
		for _, ign := range testIgnores {
			checkSame(t, body, ign)
			checkIndented(t, body, ign)
		}
	}
}

// checkIndented is checkSame on body indented as panc and json.MarshalIndent write it (the
// reader's fast paths), with one, two and three spaces and a tab, when body is valid JSON.
func checkIndented(t *testing.T, body []byte, ignore []string) {
	t.Helper()
	for _, indent := range []string{" ", "  ", "   ", "\t"} {
		var b bytes.Buffer
		if json.Indent(&b, body, "", indent) != nil {
			return
		}
		checkSame(t, b.Bytes(), ignore)
	}
}

func TestDigestCases(t *testing.T) {
	for _, body := range []string{
		`{}`, ` {"a":1} `, `{"b":1,"a":2}`, `{"a":1,"a":2}`, `{"a":{"x":1},"a":[2]}`, `{"a":{"b":1,"c":2},"b":3}`,
		`{"k":"<>&\u2028\u2029\ud800\udc00\ud800x\t\"\\\/é\u00e9"}`, "{\"\xff\":\"\xfe\xc3\"}",
		`{"\u0041":1,"A":2,"B":3}`, `{"n":[-0,1.5e+10,0.0,-1E-2,12345678901234567890123]}`, `{"t":[true,false,null,{},[]]}`,
		`{"a":1}]`, `{"a":1}}`, `{"a":1} x`, `[1]`, `null`, `"s"`, `{"a":01}`, `{"a":"\'"}`, `{"a":1,}`, `{"a" 1}`,
		`{"a":[1,]}`, `{"a":tru}`, `{"a":"` + "\x01" + `"}`, `{"a":-}`, `{"a":1.}`, `{"a":1e}`, `{"a":"\u12"}`, `{`, `{"a":"\`,
	} {
		for _, ign := range testIgnores {
			checkSame(t, []byte(body), ign)
		}
	}
}

func TestLimits(t *testing.T) {
	deep := strings.Repeat(`{"a":`, 600) + "1" + strings.Repeat("}", 600)
	if _, err := Read([]byte(deep), Options{}); !errors.Is(err, ErrLimit) {
		t.Errorf("600 deep: %v, want ErrLimit", err)
	}
	many := `{"a":[` + strings.Repeat("1,", 999) + "1]}"
	if _, err := Read([]byte(many), Options{Limits: Limits{MaxValues: 1001}}); !errors.Is(err, ErrLimit) {
		t.Errorf("1002 values: %v, want ErrLimit", err)
	}
	if _, err := Read([]byte(many), Options{Limits: Limits{MaxValues: 1002}}); err != nil {
		t.Errorf("1002 values (root, array, 1000 numbers) with a limit of 1002: %v", err)
	}
	html := `{"a":"` + strings.Repeat("<", 4000) + `"}`
	if _, err := Read([]byte(html), Options{}); !errors.Is(err, ErrLimit) {
		t.Errorf("canonical form 6 times the input: %v, want ErrLimit", err)
	}
}

// TestFramesReused: the frames kept from a deep document (and one refused for its depth) count
// the depth of the next documents right, and keep nothing of the earlier ones.
func TestFramesReused(t *testing.T) {
	nest := func(n int) []byte {
		return []byte(strings.Repeat(`{"a":`, n) + "1" + strings.Repeat("}", n))
	}
	for _, n := range []int{600, 400, 3, 4, 1, 400} {
		_, err := Read(nest(n), Options{})
		if (err != nil) != (n > DefaultMaxDepth) {
			t.Errorf("%d deep: %v", n, err)
		}
		_, err = Read(nest(n), Options{Limits: Limits{MaxDepth: 3}})
		if (err != nil) != (n > 3) || err != nil && !errors.Is(err, ErrLimit) {
			t.Errorf("%d deep, at most 3: %v", n, err)
		}
		checkSame(t, nest(min(n, 500)), nil)
	}
}

func TestCapture(t *testing.T) {
	body := `{"system":{"personality":{"name":"p1"},"os":{"version":{"name":8}}},"x":1,` +
		`"system":{"personality":{"name":"p\u0032"},"archetype":{"name":{"deep":1}}},"schema":"s"}`
	capture := [][]string{{"system", "personality", "name"}, {"system", "os", "version", "name"},
		{"system", "archetype", "name"}, {"schema"}, {"system"}, {"personality"}, {"system", "archetype"}}
	doc, err := Read([]byte(body), Options{Capture: capture})
	if err != nil {
		t.Fatal(err)
	}
	want := []Value{{String, "p2"}, {}, {Kind: Object}, {String, "s"}, {Kind: Object}, {}, {Kind: Object}}
	if fmt.Sprint(doc.Values) != fmt.Sprint(want) {
		t.Errorf("values %v, want %v (the later duplicate replaces the earlier)", doc.Values, want)
	}
	var indented bytes.Buffer
	if err := json.Indent(&indented, []byte(body), "", "  "); err != nil {
		t.Fatal(err)
	}
	again, err := Read(indented.Bytes(), Options{Capture: capture})
	if err != nil || fmt.Sprint(again.Values) != fmt.Sprint(want) || again.Digest != doc.Digest {
		t.Errorf("indented: values %v (%v), want %v and the same digest", again.Values, err, want)
	}
}

func FuzzDigest(f *testing.F) {
	f.Add([]byte(`{"b":{"y":1,"x":[1,"<"]},"a":"\u00e9","b":2}`), uint8(0))
	f.Add([]byte(`{"system":{"network":{"interfaces":{"eth0":1},"hostname":"h"}}}`), uint8(1))
	f.Add(genDoc(rand.New(rand.NewPCG(3, 4)), true), uint8(2))
	body, _ := os.ReadFile("../event/testdata/profile-domain-sl7.json")
	f.Add(body, uint8(2))
	f.Fuzz(func(t *testing.T, body []byte, which uint8) {
		checkSame(t, body, testIgnores[int(which)%len(testIgnores)])
		checkIndented(t, body, testIgnores[int(which)%len(testIgnores)])
	})
}

// genDoc writes a random profile-like object: nested objects with keys out of order and some
// duplicated, arrays, numbers in every form, strings with escapes, HTML characters and UTF-8.
func genDoc(r *rand.Rand, messy bool) []byte {
	var b bytes.Buffer
	var val func(depth int)
	keys := []string{"a", "b", "system", "network", "interfaces", "metadata", "x", "y", "z", "hostname", "é", "<k>", "A"}
	strs := []string{"plain", "with space", `quote\"`, `slash\/`, `nl\n`, `\u00e9t\u00E9`, "é", "<b>&amp;", `\ud83d\ude00`,
		`\ud800`, "\u2028", "", `tab\t`, `\u0000`}
	nums := []string{"0", "-0", "1", "-17", "3.25", "1e5", "2E-3", "12345678901234567890", "0.000", "-1.5e+300"}
	val = func(depth int) {
		switch k := r.IntN(10); {
		case k < 3 && depth < 6:
			b.WriteByte('{')
			n := r.IntN(6)
			for i := range n {
				if i > 0 {
					b.WriteByte(',')
				}
				key := keys[r.IntN(len(keys))]
				if !messy {
					key = fmt.Sprintf("%s%d", key, i)
				}
				fmt.Fprintf(&b, "%q", key)
				if messy && r.IntN(3) == 0 {
					b.WriteString(" :\n ")
				} else {
					b.WriteByte(':')
				}
				val(depth + 1)
			}
			b.WriteByte('}')
		case k < 5 && depth < 6:
			b.WriteByte('[')
			for i := range r.IntN(5) {
				if i > 0 {
					b.WriteString(", ")
				}
				val(depth + 1)
			}
			b.WriteByte(']')
		case k < 7:
			b.WriteString(`"` + strs[r.IntN(len(strs))] + `"`)
		case k < 9:
			b.WriteString(nums[r.IntN(len(nums))])
		default:
			b.WriteString([]string{"true", "false", "null"}[r.IntN(3)])
		}
	}
	b.WriteString(`{"system":`)
	val(1)
	b.WriteString(`,"a":`)
	val(1)
	b.WriteByte('}')
	return b.Bytes()
}

func FuzzQuotedLen(f *testing.F) {
	f.Add([]byte("plain <&> \u2028 \xff é \x01 \\ \""))
	f.Fuzz(func(t *testing.T, s []byte) {
		if n, got := quotedLen(s), len(appendString(nil, s)); n != got {
			t.Fatalf("quotedLen %d, appendString wrote %d for %q", n, got, s)
		}
	})
}
