package profilewatch

import (
	"fmt"
	"net/http"
	"os"
	"strings"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/netrc"
)

// basicAuth is a login and password for one host of the profile server.
type basicAuth struct{ user, password string }

// setAuth resolves the [cdb2rabbit] credentials once, when the source is made (at start and at
// each reload): PROFILE_USER with PROFILE_PASSWORD or the password in PROFILE_PASSWORD_FILE,
// or the PROFILE_NETRC entries of the index's and the profiles' hosts. The URLs themselves
// never hold a password (config.Load strips it), so errors and profile_url cannot show one.
func (s *HTTPSource) setAuth(a config.ProfileAuth) error {
	s.auth = map[string]basicAuth{}
	switch {
	case a.User != "":
		pw := a.Password
		if a.PasswordFile != "" {
			data, err := os.ReadFile(a.PasswordFile)
			if err != nil {
				return fmt.Errorf("PROFILE_PASSWORD_FILE: %w", err)
			}
			pw = strings.TrimSpace(string(data))
		}
		for _, h := range []string{s.info.Host, s.dir.Host} {
			s.auth[h] = basicAuth{a.User, pw}
		}
	case a.Netrc != "":
		entries, err := netrc.Load(a.Netrc)
		if err != nil {
			return fmt.Errorf("PROFILE_NETRC: %w", err)
		}
		for _, u := range []string{s.info.Host, s.dir.Host} {
			if e, ok := netrc.Lookup(entries, hostOnly(u)); ok {
				s.auth[u] = basicAuth{e.Login, e.Password}
			}
		}
	}
	return nil
}

// authorize adds the credentials of req's host, if any. A redirect to another host gets none
// (net/http drops the header too).
func (s *HTTPSource) authorize(req *http.Request) {
	if a, ok := s.auth[req.URL.Host]; ok {
		req.SetBasicAuth(a.user, a.password)
	}
}

// hostOnly is host:port without the port, as netrc names machines.
func hostOnly(hostport string) string {
	if i := strings.LastIndex(hostport, ":"); i >= 0 && !strings.Contains(hostport[i:], "]") {
		return strings.Trim(hostport[:i], "[]")
	}
	return strings.Trim(hostport, "[]")
}
