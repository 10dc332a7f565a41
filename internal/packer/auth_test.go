package packer

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestAuthEnv(t *testing.T) {
	cases := []struct {
		name, file string
		want       []string
		err        string
	}{
		{"openrc", "#!/bin/bash\nexport OS_AUTH_URL=https://keystone:5000/v3\nexport OS_PROJECT_ID=abc\nexport OS_USER_DOMAIN_NAME=\"Default\"\n",
			[]string{"OS_AUTH_URL=https://keystone:5000/v3", "OS_PROJECT_ID=abc", "OS_USER_DOMAIN_NAME=Default", "OS_TENANT_ID=abc", "OS_DOMAIN_NAME=Default"}, ""},
		{"quotes and escapes", `export A='it''s'` + "\n" + `B="a \"b\" \$c \\ d"` + "\nexport C=plain # comment\n",
			[]string{"A=its", `B=a "b" $c \ d`, "C=plain"}, ""},
		{"no commands", "echo hello\nread -sr OS_PASSWORD_INPUT\nexport OS_USERNAME=u\nif [ -z x ]; then\nfi\n",
			[]string{"OS_USERNAME=u"}, ""},
		// Horizon's openrc prompts for the password; packer would get "$OS_PASSWORD_INPUT".
		{"no expansion", "read -sr OS_PASSWORD_INPUT\nexport OS_PASSWORD=$OS_PASSWORD_INPUT\n", nil, "line 2: OS_PASSWORD: needs shell expansion"},
		{"explicit aliases win", "export OS_PROJECT_ID=p\nexport OS_TENANT_ID=t\n", []string{"OS_PROJECT_ID=p", "OS_TENANT_ID=t"}, ""},
		{"later assignment wins", "export A=1\nexport A=2\n", []string{"A=2"}, ""},
		{"unterminated quote", "export OS_PASSWORD=\"secret\n", nil, "line 1: OS_PASSWORD: unterminated double quote"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "auth.sh")
			if err := os.WriteFile(p, []byte(c.file), 0o600); err != nil {
				t.Fatal(err)
			}
			got, err := AuthEnv(p)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) || strings.Contains(err.Error(), "secret") {
					t.Fatalf("err = %v, want %q without the value", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(got, "|") != strings.Join(c.want, "|") {
				t.Errorf("env = %q, want %q", got, c.want)
			}
		})
	}
}

func TestParseLine(t *testing.T) {
	cases := []struct {
		line, target, typ string
		data              []string
		ok                bool
	}{
		{"1795361898,null.x,artifact,0,id,Null", "null.x", "artifact", []string{"0", "id", "Null"}, true},
		{"1795361898,,ui,say,a%!(PACKER_COMMA) b\\nc", "", "ui", []string{"say", "a, b\nc"}, true},
		{"plain text from stderr", "", "", nil, false},
		{"x,y,z", "", "", nil, false},
	}
	for _, c := range cases {
		target, typ, data, ok := parseLine(c.line)
		if ok != c.ok || target != c.target || typ != c.typ || strings.Join(data, "|") != strings.Join(c.data, "|") {
			t.Errorf("parseLine(%q) = %q %q %q %v", c.line, target, typ, data, ok)
		}
	}
}
