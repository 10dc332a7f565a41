package profilewatch

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/testenv"
)

// TestProfileServerCredentials fetches the index and a profile from a real server that requires
// basic auth, with the credentials given each supported way, and once with a wrong password:
// every way works, the wrong one fails with 401, and no URL or error holds the password.
func TestProfileServerCredentials(t *testing.T) {
	const user, pw = "aquilon", "Pw-in-URL-7f3e"
	srv := testenv.NewProfileServer(t, testenv.ProfileServerOptions{User: user, Password: pw})
	srv.Put("h1.example.org", []byte(`{"system":{"network":{"hostname":"h1"}}}`))
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	pwFile := write("profile-password", pw+"\n")
	host := strings.TrimPrefix(strings.Split(srv.IndexURL(), "/profiles/")[0], "http://")
	netrcFile := write("netrc", "machine "+strings.Split(host, ":")[0]+" login "+user+" password "+pw+"\n")
	withPW := strings.Replace(srv.IndexURL(), "http://", "http://"+user+":"+pw+"@", 1)
	ctx := context.Background()
	for _, tc := range []struct {
		name, keys string
		ok         bool
	}{
		{"user:password in the URL", "PROFILE_INFO_URL = " + withPW, true},
		{"PROFILE_USER and PROFILE_PASSWORD", "PROFILE_INFO_URL = " + srv.IndexURL() + "\nPROFILE_USER = " + user + "\nPROFILE_PASSWORD = " + pw, true},
		{"PROFILE_PASSWORD_FILE", "PROFILE_INFO_URL = " + srv.IndexURL() + "\nPROFILE_USER = " + user + "\nPROFILE_PASSWORD_FILE = " + pwFile, true},
		{"PROFILE_NETRC", "PROFILE_INFO_URL = " + srv.IndexURL() + "\nPROFILE_NETRC = " + netrcFile, true},
		{"no credentials", "PROFILE_INFO_URL = " + srv.IndexURL(), false},
		{"wrong password in the URL", "PROFILE_INFO_URL = " + strings.Replace(withPW, pw, pw+"-wrong", 1), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := config.Load(write("config.ini", "[cdb2rabbit]\n"+tc.keys+"\n"))
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(cfg.Watch.ProfileInfoURL+cfg.Watch.ProfileDirURL, pw) {
				t.Fatalf("configured URLs hold the password: %s %s", cfg.Watch.ProfileInfoURL, cfg.Watch.ProfileDirURL)
			}
			src, err := NewSource(cfg.Watch)
			if err != nil {
				t.Fatal(err)
			}
			if u := src.URL("h1.example.org.json"); strings.Contains(u, pw) || strings.Contains(u, "@") {
				t.Errorf("profile_url %s holds the credentials", u)
			}
			_, _, err = src.Index(ctx)
			if tc.ok {
				if err != nil {
					t.Fatalf("index: %v", err)
				}
				if _, err := src.Fetch(ctx, "h1.example.org.json"); err != nil {
					t.Fatalf("fetch: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), "401") {
				t.Fatalf("index without the right password: %v, want HTTP 401", err)
			}
			if strings.Contains(err.Error(), pw) {
				t.Fatalf("error holds the password: %v", err)
			}
		})
	}
}
