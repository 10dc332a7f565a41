package config

import (
	"net/url"

	"github.com/packuilon/packuilon/internal/redact"
)

// ProfileAuth are the credentials of Aquilon's profile web server (HTTP basic auth). They are
// kept apart from PROFILE_INFO_URL and PROFILE_DIR_URL, which Load strips of any user:password,
// so no URL that packuilon logs, publishes (profile_url), stores or prints holds a password.
type ProfileAuth struct {
	// User is PROFILE_USER, or the user of the URLs' userinfo.
	User string
	// Password is PROFILE_PASSWORD, or the password of the URLs' userinfo.
	Password string
	// PasswordFile is PROFILE_PASSWORD_FILE: a file holding the password (read at each scan, so
	// a rotated password needs no restart; surrounding white space is ignored).
	PasswordFile string
	// Netrc is PROFILE_NETRC: a netrc file whose entry for the URL's host (or "default") gives
	// the login and password. Used when User is empty.
	Netrc string
}

// Set reports whether any credentials are configured.
func (a ProfileAuth) Set() bool { return a.User != "" || a.Netrc != "" }

// readProfileAuth reads PROFILE_USER, PROFILE_PASSWORD, PROFILE_PASSWORD_FILE and PROFILE_NETRC,
// and moves a user:password out of the two URLs into the credentials. Credentials are given
// one way: a URL with a userinfo and the keys together, or two URLs with different
// userinfos, are problems (whose messages never show the password).
func readProfileAuth(r *reader, w *Watch, base string) ProfileAuth {
	a := ProfileAuth{
		User:         r.str("PROFILE_USER", ""),
		Password:     r.str("PROFILE_PASSWORD", ""),
		PasswordFile: abs(base, r.str("PROFILE_PASSWORD_FILE", "")),
		Netrc:        abs(base, r.str("PROFILE_NETRC", "")),
	}
	if a.Password != "" && a.PasswordFile != "" {
		r.problem("PROFILE_PASSWORD", "PROFILE_PASSWORD and PROFILE_PASSWORD_FILE both give the password: keep one")
	}
	if (a.Password != "" || a.PasswordFile != "") && a.User == "" {
		r.problem("PROFILE_PASSWORD", "a password needs PROFILE_USER")
	}
	var fromURL *url.Userinfo
	for _, f := range []struct {
		key string
		v   *string
	}{{"PROFILE_INFO_URL", &w.ProfileInfoURL}, {"PROFILE_DIR_URL", &w.ProfileDirURL}} {
		u, err := url.Parse(*f.v)
		if err != nil || u.User == nil {
			continue
		}
		switch {
		case a.User != "" || a.Netrc != "":
			r.problem(f.key, "%s has a user:password, and PROFILE_USER or PROFILE_NETRC are set too: give the credentials once", redact.URL(r.shown(f.key, *f.v)))
		case fromURL != nil && fromURL.String() != u.User.String():
			r.problem(f.key, "%s has another user:password than PROFILE_INFO_URL", redact.URL(r.shown(f.key, *f.v)))
		}
		fromURL = u.User
		*f.v = redact.StripUserinfo(*f.v)
	}
	if fromURL != nil && a.User == "" && a.Netrc == "" {
		a.User = fromURL.Username()
		a.Password, _ = fromURL.Password()
	}
	return a
}

func init() { extraChecks = append(extraChecks, checkProfileAuth) }

// checkProfileAuth checks that the password file and the netrc file exist.
func checkProfileAuth(c *Config) Problems {
	if !c.Watch.Present {
		return nil
	}
	ps := c.missing("cdb2rabbit", "PROFILE_PASSWORD_FILE", c.Watch.Auth.PasswordFile)
	return append(ps, c.missing("cdb2rabbit", "PROFILE_NETRC", c.Watch.Auth.Netrc)...)
}
