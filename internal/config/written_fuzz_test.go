package config

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzLoadHiding: whatever the values of a configuration, Load never panics, and a secret key's
// value that references brought in is never shown by AsWritten as it is.
func FuzzLoadHiding(f *testing.F) {
	f.Add("1234", "https://aq:%(p)s@aquilon/x?token=%(p)s", "pre%(p)s")
	f.Add("on", "%(p)s://:@/?=&;#", "%(p)s%(p)s")
	f.Add("a b", "https://u:%(p)s@h1 https://v:w@h2?sig=%(p)s", "%(nope)s")
	f.Add("%%", "http://[::1]:%(p)s/", "x%(p)s%")
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, p, url, pw string) {
		for _, v := range []string{p, url, pw} {
			if strings.ContainsAny(v, "\n\r") {
				return // one line each: the file's structure is not what is fuzzed here
			}
		}
		path := filepath.Join(dir, "config.ini")
		ini := "[DEFAULT]\np = " + p + "\n[cdb2rabbit]\nPROFILE_INFO_URL = " + url + "\n[global]\nRABBIT_PW = " + pw + "\n"
		if err := os.WriteFile(path, []byte(ini), 0o600); err != nil {
			t.Fatal(err)
		}
		cfg, ps := load(path)
		defer loaded.keep()
		if cfg == nil || len(ps) > 0 { // a problem's value is the default, not the file's
			return
		}
		got := strings.TrimSpace(cfg.Global.RabbitPW)
		raw := strings.TrimSpace(pw)
		if got != "" && got != "guest" /* the default of an empty value */ && got != raw && strings.Contains(raw, "%(") && cfg.AsWritten(got) == got {
			t.Errorf("RABBIT_PW = %q expands to %q, shown as it is", raw, got)
		}
	})
}

// FuzzURLSecrets: the parts urlSecrets hides cover the password and the secret query
// parameters' values of any URL net/url reads, and stay within the value.
func FuzzURLSecrets(f *testing.F) {
	for _, s := range []string{"https://aq:p@ss@aquilon/x?token=t1", "http://h/?a=1&access_token=zz#token=no",
		"amqps://u:pw@h1:5671/vh", "https://h/?to%6Ben=x", "https://a:b@c/?key=1;sig=2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		spans := urlSecrets(v)
		mark := ""
		for _, m := range []string{"~", "!", "*", "'"} {
			if !strings.Contains(v, m) {
				mark = m
				break
			}
		}
		b := []byte(v)
		for _, s := range spans {
			if s.start < 0 || s.end > len(v) || s.start > s.end {
				t.Fatalf("%q: span %v outside the value", v, s)
			}
			for i := s.start; i < s.end && mark != ""; i++ {
				b[i] = mark[0]
			}
		}
		if mark == "" || strings.ContainsAny(v, " \t\r\n") {
			return
		}
		u, err := url.Parse(v)
		if err != nil || u.Scheme == "" || !strings.HasPrefix(v[len(u.Scheme):], "://") {
			return // a URL of the configuration has its scheme://
		}
		only := func(s string) bool { return strings.Trim(s, mark) == "" }
		m, err := url.Parse(string(b))
		if err != nil {
			t.Fatalf("%q masked as %q no longer parses: %v", v, b, err)
		}
		if pw, ok := u.User.Password(); ok && pw != "" {
			if mpw, _ := m.User.Password(); !only(mpw) {
				t.Errorf("%q: password %q shown (masked %q)", v, pw, b)
			}
		}
		for name, vals := range m.Query() {
			if !secretParam(name) {
				continue
			}
			for _, val := range vals {
				if !only(val) {
					t.Errorf("%q: query parameter %q = %q shown (masked %q)", v, name, val, b)
				}
			}
		}
	})
}
