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
	for _, line := range []string{"PASSWORD s3cret-value", "= s3cret-value",
		`PASSWORD = """s3cret-value`, `"PASSWORD s3cret-value`} {
		path := filepath.Join(t.TempDir(), "packuilon.ini")
		if err := os.WriteFile(path, []byte("[rabbit]\nRABBIT_HOST = 127.0.0.1\n"+line+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := Load(path)
		if err == nil || strings.Contains(err.Error(), "s3cret-value") || !strings.Contains(err.Error(), "line 3") {
			t.Errorf("%q: error %v, want line 3 named and the value hidden", line, err)
		}
	}
	// A quote closed on a later line is no error: the bad line after it is the one named.
	path := filepath.Join(t.TempDir(), "packuilon.ini")
	body := "[rabbit]\nRABBIT_HOST = 127.0.0.1\nMOTD = \"\"\"two\nlines\"\"\"\n\nPASSWORD s3cret-value\n"
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path); err == nil || strings.Contains(err.Error(), "s3cret-value") || !strings.Contains(err.Error(), "line 6") {
		t.Errorf("error %v, want line 6 named and the value hidden", err)
	}
}
