// Package redact keeps credentials out of what packuilon shows: log lines, errors, build
// requests, the build store and status output.
//
//	redact.StripUserinfo("https://u:pw@aquilon/profiles/") // "https://aquilon/profiles/"
//	redact.URL("https://u:pw@aquilon/profiles/")           // "https://u:xxxxx@aquilon/profiles/"
//	redact.Error(err, password)                            // err, or a copy without password
package redact

import (
	"errors"
	"net/url"
	"strings"
)

// Mask replaces a secret in text.
const Mask = "xxxxx"

// StripUserinfo returns the URL s without its user and password, for a URL that is passed on
// (a build request's profile_url). A string that does not parse as a URL has everything between
// "://" and the last "@" removed; a string without userinfo is returned unchanged.
func StripUserinfo(s string) string {
	if u, err := url.Parse(s); err == nil {
		if u.User == nil {
			return s
		}
		u.User = nil
		return u.String()
	}
	if i, j := strings.Index(s, "://"), strings.LastIndex(s, "@"); i >= 0 && j > i {
		return s[:i+3] + s[j+1:]
	}
	return s
}

// URL returns the URL s with its password masked (the user stays, to tell accounts apart), for
// logs and errors. A string that does not parse has everything between "://" and the last "@"
// masked.
func URL(s string) string {
	if u, err := url.Parse(s); err == nil {
		return u.Redacted()
	}
	if i, j := strings.Index(s, "://"), strings.LastIndex(s, "@"); i >= 0 && j > i {
		return s[:i+3] + Mask + s[j:]
	}
	return s
}

// String returns text with every occurrence of each secret masked, and every URL userinfo
// password masked. Empty secrets are ignored.
func String(text string, secrets ...string) string {
	for _, s := range secrets {
		if s != "" {
			text = strings.ReplaceAll(text, s, Mask)
			// A password may also appear escaped, as in a URL's userinfo.
			if esc := url.QueryEscape(s); esc != s {
				text = strings.ReplaceAll(text, esc, Mask)
			}
			if esc := url.PathEscape(s); esc != s {
				text = strings.ReplaceAll(text, esc, Mask)
			}
		}
	}
	return text
}

// Error returns err unchanged when its message holds none of the secrets; otherwise an error
// with them masked. The masked error still matches errors.Is and errors.As for what err wraps,
// but its message (and so every log line and status that prints it) never holds a secret.
func Error(err error, secrets ...string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	clean := String(msg, secrets...)
	if clean == msg {
		return err
	}
	return &masked{msg: clean, err: err}
}

type masked struct {
	msg string
	err error
}

func (m *masked) Error() string { return m.msg }

// Is and As look at the wrapped error without exposing it through Unwrap, whose message
// would hold the secret.
func (m *masked) Is(target error) bool { return errors.Is(m.err, target) }

func (m *masked) As(target any) bool { return errors.As(m.err, target) }
