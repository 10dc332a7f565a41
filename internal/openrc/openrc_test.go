package openrc

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		keep     func(string) bool
		want     []string // NAME=value in file order
		err      string
	}{
		{"horizon style", "#!/usr/bin/env bash\nexport OS_AUTH_URL=https://keystone:5000/v3\nexport OS_PROJECT_NAME=\"admin\"\nunset OS_TENANT_ID\necho hi\n", OSOnly,
			[]string{"OS_AUTH_URL=https://keystone:5000/v3", "OS_PROJECT_NAME=admin"}, ""},
		{"quotes and comment", "OS_PASSWORD='p w#$x' # the admin\nexport OS_USERNAME=a\\ b\n", OSOnly,
			[]string{"OS_PASSWORD=p w#$x", "OS_USERNAME=a b"}, ""},
		{"escaped double quote", `export OS_PASSWORD="a\"b\\c"`, OSOnly, []string{`OS_PASSWORD=a"b\c`}, ""},
		{"quotes and escapes, every name", `export A='it''s'` + "\n" + `B="a \"b\" \$c \\ d"` + "\nexport C=plain # comment\nD=x#y;\n", nil,
			[]string{"A=its", `B=a "b" $c \ d`, "C=plain", "D=x#y"}, ""},
		{"commands ignored", "echo hello\nread -sr OS_PASSWORD_INPUT\nif [ -z x ]; then\nfi\nexport OS_USERNAME=u\n", nil,
			[]string{"OS_USERNAME=u"}, ""},
		{"later assignment wins in place", "export A=1\nexport B=2\nexport A=3\n", nil, []string{"A=3", "B=2"}, ""},
		{"other variables ignored", "export PATH=/bin\nFOO=$BAR\n", OSOnly, nil, ""},
		{"shell expansion refused", "export OS_PASSWORD=$OS_PASSWORD_INPUT\n", nil, nil, "line 1: OS_PASSWORD: needs shell expansion"},
		{"command substitution refused", "export OS_PASSWORD=\"$(cat /secret)\"\n", OSOnly, nil, "needs shell expansion"},
		{"backquotes refused", "export OS_PASSWORD=`cat /secret`\n", OSOnly, nil, "needs shell expansion"},
		{"unterminated single", "export OS_PASSWORD='secret\n", OSOnly, nil, "line 1: OS_PASSWORD: unterminated single quote"},
		{"unterminated double", "\nexport OS_PASSWORD=\"secret\n", nil, nil, "line 2: OS_PASSWORD: unterminated double quote"},
		{"unquoted space", "export OS_PASSWORD=secret words\n", OSOnly, nil, "OS_PASSWORD: unexpected text after the value"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse([]byte(tc.in), tc.keep)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				for _, secret := range []string{"secret", "words", "cat "} {
					if strings.Contains(err.Error(), secret) {
						t.Fatalf("err %q shows the value", err)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(got.Environ(), "|") != strings.Join(tc.want, "|") {
				t.Errorf("vars = %q, want %q", got.Environ(), tc.want)
			}
		})
	}
}

// FuzzParse: any content parses or fails cleanly; every name is a shell name with a value,
// listed once, and the filter holds.
func FuzzParse(f *testing.F) {
	f.Add([]byte("export OS_AUTH_URL=http://x/v3\nexport OS_PASSWORD='a b'\n"), false)
	f.Add([]byte(`OS_X="a\"$"`), true)
	f.Add([]byte("export A=\"b\\\"c\" 'd'\nB=x#y\n"), false)
	f.Fuzz(func(t *testing.T, data []byte, osOnly bool) {
		keep := func(string) bool { return true }
		if osOnly {
			keep = OSOnly
		}
		vars, err := Parse(data, keep)
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for _, k := range vars.Names() {
			if !isShellName(k) || seen[k] || osOnly && !OSOnly(k) {
				t.Fatalf("bad name %q in %q", k, vars.Names())
			}
			seen[k] = true
			if _, ok := vars.Lookup(k); !ok {
				t.Fatalf("name %q without value", k)
			}
		}
	})
}
