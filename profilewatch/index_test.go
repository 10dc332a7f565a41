package profilewatch

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/packuilon/packuilon/internal/testenv"
)

func readIndex(t *testing.T, file string) Index {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	idx, err := ParseIndex(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return idx
}

func TestParseIndexSamples(t *testing.T) {
	idx := readIndex(t, "profiles-info.xml")
	if len(idx) != 21 {
		t.Fatalf("entries = %d, want 21", len(idx))
	}
	if got := idx["nubesvms-sl7x-x86-64.cloud.template.json"]; got != 1718963105000 {
		t.Errorf("mtime = %d, want seconds normalised to ms", got)
	}
	if _, ok := idx["clusters/ceph-echo-prod.json"]; !ok {
		t.Errorf("cluster objects are profiles too")
	}
	gz := readIndex(t, "profiles-info.transparent_gzip-false.xml")
	if len(gz) != len(idx) {
		t.Fatalf(".json.gz index has %d entries, want %d", len(gz), len(idx))
	}
	for name, mt := range gz {
		if idx[CacheKey(name)] != mt {
			t.Errorf("%s: cache key %s does not line up with the plain index", name, CacheKey(name))
		}
	}
}

func TestParseIndexCases(t *testing.T) {
	for _, tc := range []struct {
		name string
		xml  string
		want Index
		err  bool
	}{
		{"seconds", `<profiles><profile mtime='1718963105'>a.json</profile></profiles>`, Index{"a.json": 1718963105000}, false},
		{"milliseconds", `<profiles><profile mtime="1718963105123">a.json</profile></profiles>`, Index{"a.json": 1718963105123}, false},
		{"fractional seconds", `<profiles><profile mtime="1718963105.5">a.json</profile></profiles>`, Index{"a.json": 1718963105500}, false},
		{"json.gz and whitespace", "<profiles>\n <profile mtime='1'> b.json.gz </profile>\n</profiles>", Index{"b.json.gz": 1000}, false},
		{"not profiles skipped", `<profiles><profile mtime='1'>a.xml</profile><other/><profile mtime='2'>c.json</profile></profiles>`, Index{"c.json": 2000}, false},
		{"empty", `<?xml version='1.0'?><profiles></profiles>`, Index{}, false},
		{"wrong root", `<hosts><profile mtime='1'>a.json</profile></hosts>`, nil, true},
		{"no root", ``, nil, true},
		{"truncated", `<profiles><profile mtime='1'>a.json</prof`, nil, true},
		{"no mtime", `<profiles><profile>a.json</profile></profiles>`, nil, true},
		{"bad mtime", `<profiles><profile mtime='soon'>a.json</profile></profiles>`, nil, true},
		{"negative mtime", `<profiles><profile mtime='-5'>a.json</profile></profiles>`, nil, true},
		{"absolute name", `<profiles><profile mtime='1'>/etc/passwd.json</profile></profiles>`, nil, true},
		{"dot dot", `<profiles><profile mtime='1'>../x.json</profile></profiles>`, nil, true},
		{"query", `<profiles><profile mtime='1'>x?y=.json</profile></profiles>`, nil, true},
		{"space", `<profiles><profile mtime='1'>x y.json</profile></profiles>`, nil, true},
		{"percent", `<profiles><profile mtime='1'>x%2f.json</profile></profiles>`, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseIndex(strings.NewReader(tc.xml))
			if tc.err {
				if !errors.Is(err, ErrBadIndex) {
					t.Fatalf("err = %v, want ErrBadIndex", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestReadBodyGzipIndex(t *testing.T) {
	data, _ := os.ReadFile(filepath.Join("testdata", "profiles-info.xml"))
	for _, name := range []string{"profiles-info.xml.gz", "profiles-info.xml"} { // by name, and by magic
		body, err := readBody(bytes.NewReader(testenv.Gzip(data)), name, maxIndexSize)
		if err != nil || !bytes.Equal(body, data) {
			t.Errorf("%s: err %v, body equal %v", name, err, bytes.Equal(body, data))
		}
	}
	if _, err := readBody(bytes.NewReader(data), "x.json.gz", 1<<20); err == nil || !strings.Contains(err.Error(), "bad gzip") {
		t.Errorf("plain body under a .gz name: err = %v", err)
	}
	if _, err := readBody(bytes.NewReader(testenv.Gzip(bytes.Repeat([]byte("a"), 5000))), "x.json", 4096); !errors.Is(err, ErrTooBig) {
		t.Errorf("gzip bomb: err = %v, want ErrTooBig", err)
	}
}

func FuzzParseIndex(f *testing.F) {
	for _, file := range []string{"profiles-info.xml", "profiles-info.prev.xml", "profiles-info.transparent_gzip-false.xml"} {
		data, err := os.ReadFile(filepath.Join("testdata", file))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`<profiles><profile mtime='1718963105123'>a/b.json.gz</profile></profiles>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		idx, err := ParseIndex(bytes.NewReader(data))
		if err != nil {
			return
		}
		for name, mt := range idx {
			if checkName(name) != nil || !IsProfileName(name) || mt < 0 {
				t.Fatalf("accepted unsafe entry %q mtime %d", name, mt)
			}
		}
	})
}
