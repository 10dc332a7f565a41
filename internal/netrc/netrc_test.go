package netrc

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFind(t *testing.T) {
	p := filepath.Join(t.TempDir(), "netrc")
	data := `# profile server
machine aquilon.example.org login aq password s3cret
machine other
  login o
  password op  # trailing comment
macdef init
cd /pub

default login anon password anonpw
machine aquilon.example.org login second password ignored
`
	if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ host, login, pw string }{
		{"aquilon.example.org", "aq", "s3cret"},
		{"other", "o", "op"},
		{"unknown", "anon", "anonpw"},
	} {
		e, ok, err := Find(p, tc.host)
		if err != nil || !ok || e.Login != tc.login || e.Password != tc.pw {
			t.Errorf("Find(%s) = %+v %v %v", tc.host, e, ok, err)
		}
	}
}

func TestParseErrorsNameTheLine(t *testing.T) {
	for _, bad := range []string{"machine", "login x", "machine a login x\nbogus y", "machine a password"} {
		_, err := Parse([]byte(bad))
		if err == nil || !strings.Contains(err.Error(), "line ") {
			t.Errorf("Parse(%q) = %v, want an error naming the line", bad, err)
		}
	}
	// A password with a space is malformed; its second half must not reach the error (or a log).
	if _, err := Parse([]byte("machine a login x password my s3cretHalf")); err == nil || strings.Contains(err.Error(), "s3cretHalf") {
		t.Errorf("Parse of a password with a space = %v, want an error without the password", err)
	}
	e, err := Parse([]byte("machine a login x\n"))
	if err != nil || e["a"].Login != "x" {
		t.Errorf("machine without password: %v %v", e, err)
	}
	if _, ok := e[""]; ok {
		t.Error("no default, but found one")
	}
}
