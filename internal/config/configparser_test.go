package config

import (
	"encoding/json"
	"os/exec"
	"strings"
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
		// Quotes are part of a value in configparser; go-ini strips them or reads a block.
		"[global]\nRABBIT_PW = \"abc\"\nS = 'abc'\nT: \"a\"b\"\nU = \"abc\nV = \"\"\n",
		"[a]\nB = `abc`\nC = `abc\nD = x`\nE = \"\"\"abc\"\"\"\nF = \"\"\"abc\nG = y\"\"\"\nH = \"\"\"\n",
		"[a]\nQ = \"abc\n  def\"\nR = `x\n  y`\nS = 'x'  \n",
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

// TestQuotedValuesKept: a password written with quotes, or opening with a backtick or three
// double quotes, is read with them, as the old scripts' configparser did; the keys below it are
// read too.
func TestQuotedValuesKept(t *testing.T) {
	for _, pw := range []string{`"abc"`, `'abc'`, "`abc`", "`abc", `"""abc"""`, `"""abc`} {
		cfg, err := Load(write(t, "[global]\nRABBIT_PW = "+pw+"\nRABBIT_USER = builder\n"))
		if err != nil {
			t.Fatalf("RABBIT_PW written %d characters: %v", len(pw), err)
		}
		if cfg.Global.RabbitPW != pw || cfg.Global.RabbitUser != "builder" {
			t.Errorf("RABBIT_PW written with quotes (%d characters) read as %d characters, RABBIT_USER %q",
				len(pw), len(cfg.Global.RabbitPW), cfg.Global.RabbitUser)
		}
		if len(cfg.Notices) != 1 || cfg.Notices[0].Key != "RABBIT_PW" || strings.Contains(cfg.Notices[0].String(), "abc") {
			t.Errorf("want one notice naming RABBIT_PW without its value, got %v", cfg.Notices)
		}
	}
}
