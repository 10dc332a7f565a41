package profilewatch

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/packuilon/packuilon/internal/testenv"
)

func readIndex(t *testing.T, file string) Index {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	idx, bad, err := ParseIndex(bytes.NewReader(data))
	if len(bad) != 0 {
		t.Fatalf("bad entries in %s: %v", file, bad)
	}
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
	const good = `<profile mtime='7'>good.json</profile>`
	for _, tc := range []struct {
		name string
		xml  string
		want Index
		bad  string // the entry named by the one warning
		err  bool
	}{
		{"seconds", `<profiles><profile mtime='1718963105'>a.json</profile></profiles>`, Index{"a.json": 1718963105000}, "", false},
		{"milliseconds", `<profiles><profile mtime="1718963105123">a.json</profile></profiles>`, Index{"a.json": 1718963105123}, "", false},
		{"fractional seconds", `<profiles><profile mtime="1718963105.5">a.json</profile></profiles>`, Index{"a.json": 1718963105500}, "", false},
		{"json.gz and whitespace", "<profiles>\n <profile mtime='1'> b.json.gz </profile>\n</profiles>", Index{"b.json.gz": 1000}, "", false},
		{"not profiles skipped", `<profiles><profile mtime='1'>a.xml</profile><other/><profile mtime='2'>c.json</profile></profiles>`, Index{"c.json": 2000}, "", false},
		{"entity", `<profiles><profile mtime="3" other='x'>a&#46;json</profile></profiles>`, Index{"a.json": 3000}, "", false},
		{"doctype and comment", `<?xml version='1.0'?><!DOCTYPE profiles><!-- c --><profiles>` + good + `</profiles>`, Index{"good.json": 7000}, "", false},
		{"empty", `<?xml version='1.0'?><profiles></profiles>`, Index{}, "", false},
		{"self-closed root", `<profiles/>`, Index{}, "", false},
		{"wrong root", `<hosts><profile mtime='1'>a.json</profile></hosts>`, nil, "", true},
		{"no root", ``, nil, "", true},
		{"garbage", "\x1f\x8b\x00binary", nil, "", true},
		{"truncated", `<profiles><profile mtime='1'>a.json</prof`, nil, "", true},
		{"truncated after an entry", `<profiles>` + good, nil, "", true},
		{"more bad than good", "<profiles>\n<profile>a.json</profile>\n<profile>b.json</profile>\n" + good + "\n</profiles>", nil, "", true},
		{"no mtime", "<profiles>\n<profile>a.json</profile>\n" + good + "\n" + good + "\n</profiles>", Index{"good.json": 7000}, "a.json", false},
		{"empty mtime", "<profiles>\n<profile mtime=''>a.json</profile>\n" + good + "</profiles>", Index{"good.json": 7000}, "a.json", false},
		{"bad mtime", `<profiles><profile mtime='soon'>a.json</profile>` + good + `</profiles>`, Index{"good.json": 7000}, "a.json", false},
		{"negative mtime", `<profiles><profile mtime='-5'>a.json</profile>` + good + `</profiles>`, Index{"good.json": 7000}, "a.json", false},
		{"absolute name", `<profiles><profile mtime='1'>/etc/passwd.json</profile>` + good + `</profiles>`, Index{"good.json": 7000}, "/etc/passwd.json", false},
		{"dot dot", `<profiles><profile mtime='1'>../x.json</profile>` + good + `</profiles>`, Index{"good.json": 7000}, "../x.json", false},
		{"query", `<profiles><profile mtime='1'>x?y=.json</profile>` + good + `</profiles>`, Index{"good.json": 7000}, "x?y=.json", false},
		{"space", `<profiles><profile mtime='1'>x y.json</profile>` + good + `</profiles>`, Index{"good.json": 7000}, "x y.json", false},
		{"percent", `<profiles><profile mtime='1'>x%2f.json</profile>` + good + `</profiles>`, Index{"good.json": 7000}, "x%2f.json", false},
		{"unparsable line", "<profiles>\n<profile mtime='1'>a.json</profle>\n" + good + "\n</profiles>", Index{"good.json": 7000}, "a.json</profle>", false},
		{"stray text", "<profiles>\n" + good + "\nhost.json 12\n</profiles>", Index{"good.json": 7000}, "host.json 12", false},
		{"bad attribute", "<profiles>\n<profile mtime=1>a.json</profile>\n" + good + "\n</profiles>", Index{"good.json": 7000}, "mtime=1", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, bad, err := ParseIndex(strings.NewReader(tc.xml))
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
			switch {
			case tc.bad == "" && len(bad) != 0:
				t.Errorf("bad entries %v, want none", bad)
			case tc.bad != "" && (len(bad) != 1 || !strings.Contains(bad[0].Text, tc.bad)):
				t.Errorf("bad entries %+v, want one naming %q", bad, tc.bad)
			}
		})
	}
}

// TestParseIndexStreams: the reader holds a window, not the document; an index far larger than
// the window reads the same as a small one, entries across window boundaries included.
func TestParseIndexStreams(t *testing.T) {
	var b strings.Builder
	b.WriteString("<profiles>\n")
	want := Index{}
	for i := range 20000 {
		name := fmt.Sprintf("host%d.example.org.json", i)
		fmt.Fprintf(&b, "<profile mtime='%d'>%s</profile>\n", 1000+i, name)
		want[name] = int64(1000+i) * 1000
	}
	b.WriteString("</profiles>\n")
	got, bad, err := ParseIndex(iotest.OneByteReader(strings.NewReader(b.String())))
	if err != nil || len(bad) != 0 || !reflect.DeepEqual(got, want) {
		t.Fatalf("%d entries (want %d), bad %v, err %v", len(got), len(want), bad, err)
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

// TestReadBodyIntoAppends: readBodyInto appends to the buffer it is given, also when the size
// announced makes it take a larger one (the bytes already there are kept), and reads the body
// whole into a reused buffer too small for it.
func TestReadBodyIntoAppends(t *testing.T) {
	body := bytes.Repeat([]byte("profile "), 1000)
	for _, buf := range [][]byte{[]byte("head:"), append(make([]byte, 0, 64), "head:"...), append(make([]byte, 0, 20000), "head:"...)} {
		got, err := readBodyInto(bytes.NewReader(body), "x.json", 1<<20, int64(len(body)), buf)
		if want := append([]byte("head:"), body...); err != nil || !bytes.Equal(got, want) {
			t.Errorf("cap %d: err %v, got %d bytes starting %q, want %d starting \"head:\"", cap(buf), err, len(got), got[:min(len(got), 8)], len(want))
		}
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
		idx, bad, err := ParseIndex(bytes.NewReader(data))
		if err != nil {
			return
		}
		if len(bad) > len(idx) {
			t.Fatalf("accepted an index with %d bad and %d good entries", len(bad), len(idx))
		}
		for name, mt := range idx {
			if checkName(name) != nil || !IsProfileName(name) || mt < 0 {
				t.Fatalf("accepted unsafe entry %q mtime %d", name, mt)
			}
		}
	})
}
