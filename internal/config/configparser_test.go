package config

import (
	"encoding/json"
	"os/exec"
	"testing"
)

// TestContinuationLinesAsConfigparser: every value is the one Python's configparser reads from
// the same file (python3 is one of the project's packages).
func TestContinuationLinesAsConfigparser(t *testing.T) {
	const py = `import configparser, json, sys
c = configparser.ConfigParser(interpolation=None)
c.read(sys.argv[1])
print(json.dumps({s: dict(c.items(s, raw=True)) for s in c.sections()}))`
	files := []string{multiLineSite,
		"[a]\nX = 1\n  Y = 2\n  Z = 3\n\n\n    z\n\n[b]\n  A = 1\n  B = 2\n    b\n C = 3\n\t\nD = \"q\"\n\tE\n  [c]\n",
		"[a]\r\nK = v\r\n  w\r\n\r\nL = %(k)s\r\n",
	}
	for _, text := range files {
		path := write(t, text)
		out, err := exec.Command("python3", "-c", py, path).Output()
		if err != nil {
			t.Fatalf("python3: %v", err)
		}
		var want map[string]map[string]string
		if err := json.Unmarshal(out, &want); err != nil {
			t.Fatal(err)
		}
		opts := iniOptions
		opts.InsensitiveKeys = true
		f, err := scan(path, []byte(text)).load(opts)
		if err != nil {
			t.Fatalf("%q: %v", text, err)
		}
		for sec, keys := range want {
			for k, v := range keys {
				if got := f.Section(sec).Key(k).Value(); got != v {
					t.Errorf("[%s] %s = %q, configparser %q", sec, k, got, v)
				}
			}
			if n := len(f.Section(sec).Keys()); n != len(keys) {
				t.Errorf("[%s] has %d keys, configparser %d", sec, n, len(keys))
			}
		}
	}
}
