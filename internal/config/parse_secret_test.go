package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestParseErrorHidesTheLine checks that a line without "=" (a password with its "=" forgotten)
// or a quote left open is named by its number in the error, never quoted.
func TestParseErrorHidesTheLine(t *testing.T) {
	for _, line := range []string{"PASSWORD s3cret-value", "= s3cret-value", `"PASSWORD s3cret-value`} {
		path := filepath.Join(t.TempDir(), "packuilon.ini")
		if err := os.WriteFile(path, []byte("[rabbit]\nRABBIT_HOST = 127.0.0.1\n"+line+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := Load(path)
		if err == nil || strings.Contains(err.Error(), "s3cret-value") || !strings.Contains(err.Error(), "line 3") {
			t.Errorf("%q: error %v, want line 3 named and the value hidden", line, err)
		}
	}
	// Quotes open no block (configparser's values are one line, quotes and all, plus indented
	// continuation lines): the unindented line after an opening """ is the one named.
	path := filepath.Join(t.TempDir(), "packuilon.ini")
	body := "[rabbit]\nRABBIT_HOST = 127.0.0.1\nMOTD = \"\"\"two\ns3cret-value\"\"\"\n\nPASSWORD = x\n"
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path); err == nil || strings.Contains(err.Error(), "s3cret-value") || !strings.Contains(err.Error(), "line 4") {
		t.Errorf("error %v, want line 4 named and the value hidden", err)
	}
}
