package config

import (
	"net"
	"path"
	"strings"
)

// HTTP is a daemon's HTTP endpoint: /metrics, /healthz and, for the builder, the status page.
type HTTP struct {
	// Listen is host:port; "" when HTTP_LISTEN = off.
	Listen string
	// AuthFile is an htpasswd file (bcrypt hashes); when set, the status page offers approve,
	// deny, retry and cancel to the users in it. Builder only.
	AuthFile string
}

func readHTTP(r *reader, def string, base string) HTTP {
	h := HTTP{Listen: r.str("HTTP_LISTEN", def), AuthFile: abs(base, r.str("HTTP_AUTH_FILE", ""))}
	if strings.EqualFold(h.Listen, "off") {
		h.Listen = ""
		return h
	}
	if _, _, err := net.SplitHostPort(h.Listen); err != nil {
		r.problem("HTTP_LISTEN", "%q is neither host:port nor off: %v", h.Listen, err)
	}
	return h
}

// Approval is [promote] REQUIRE_APPROVAL: false (default), true, or image-key globs.
type Approval struct {
	All      bool
	Patterns []string
}

func readApproval(r *reader) Approval {
	v := r.lines("REQUIRE_APPROVAL") // globs may go on several lines
	switch strings.ToLower(v) {
	case "", "false", "no", "off", "0":
		return Approval{}
	case "true", "yes", "on", "1":
		return Approval{All: true}
	}
	a := Approval{Patterns: r.list("REQUIRE_APPROVAL", nil)}
	for _, p := range a.Patterns {
		if _, err := path.Match(p, ""); err != nil {
			r.problem("REQUIRE_APPROVAL", "%q is not a glob: %v", p, err)
		}
	}
	return a
}

// Required reports whether a build of key must be approved before promotion.
func (a Approval) Required(key string) bool {
	if a.All {
		return true
	}
	for _, p := range a.Patterns {
		if ok, _ := path.Match(p, key); ok {
			return true
		}
	}
	return false
}
