package event

import (
	"errors"
	"fmt"
	"strings"

	"github.com/packuilon/packuilon/internal/ident"
)

// ErrInvalid is wrapped by every validation error, so callers can tell bad input from other failures.
var ErrInvalid = errors.New("invalid build request")

// The checks below are hand-written rather than regexps: the bounded repetitions they need
// made compiling them at init the largest part of packuilon's start-up (issue 12). Their tests
// compare them with the regexps they replaced.
const (
	// Aquilon names (personality, archetype, OS, OS version, branch) are letters, digits, '_',
	// '-' and '.'; OS versions look like "7x-x86_64" or "8.6-x86_64".
	maxName = 64
	// Image keys become parts of file names, so no '/' and no leading dot.
	maxImageKey = 160
	maxDigest   = 200
	maxLabel    = 63
)

// ValidName reports whether s may be used as an Aquilon name (personality, archetype, OS, branch).
func ValidName(s string) bool { return ident.PathSafe(s, maxName) }

// ValidImageKey reports whether s is safe as an image key: it is used in file names and Glance properties.
func ValidImageKey(s string) bool { return ident.PathSafe(s, maxImageKey) }

// validHostLabels reports whether s is one or more dot-separated labels of 1 to 63 letters,
// digits and '-', each starting with a letter or digit (the regexp
// ^[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*$). The length of the
// whole name is checked by the caller.
func validHostLabels(s string) bool {
	for {
		label, rest, more := strings.Cut(s, ".")
		if len(label) == 0 || len(label) > maxLabel || !ident.Alnum(label[0]) {
			return false
		}
		for i := 1; i < len(label); i++ {
			if !ident.Alnum(label[i]) && label[i] != '-' {
				return false
			}
		}
		if !more {
			return true
		}
		s = rest
	}
}

// validDigest reports whether s is at most 200 letters, digits, ':', '_' and '-' (the regexp
// ^[A-Za-z0-9:_-]{0,200}$): "blake3:…", "sha256:…" (earlier versions) or empty.
func validDigest(s string) bool {
	if len(s) > maxDigest {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !ident.Alnum(c) && c != ':' && c != '_' && c != '-' {
			return false
		}
	}
	return true
}

// Validate checks every field of the spec. The error names the first bad field.
func (s Spec) Validate() error {
	check := func(field, v string, ok bool) error {
		if v == "" {
			return fmt.Errorf("%w: %s is missing", ErrInvalid, field)
		}
		if !ok {
			return fmt.Errorf("%w: %s %q has characters that are not allowed", ErrInvalid, field, v)
		}
		return nil
	}
	for _, c := range []struct {
		field, v string
		ok       bool
	}{
		{"personality", s.Personality, ValidName(s.Personality)},
		{"archetype", s.Archetype, ValidName(s.Archetype)},
		{"os", s.OS, ValidName(s.OS)},
		{"os_version", s.OSVersion, ValidName(s.OSVersion)},
		{"branch.name", s.Branch.Name, ValidName(s.Branch.Name)},
	} {
		if err := check(c.field, c.v, c.ok); err != nil {
			return err
		}
	}
	switch s.Branch.Type {
	case BranchDomain:
	case BranchSandbox:
		if err := check("branch.author", s.Branch.Author, ValidName(s.Branch.Author)); err != nil {
			return err
		}
	default:
		return fmt.Errorf("%w: branch.type %q is neither domain nor sandbox", ErrInvalid, s.Branch.Type)
	}
	if s.Hostname != "" && (len(s.Hostname) > 253 || !validHostLabels(s.Hostname)) {
		return fmt.Errorf("%w: hostname %q is not a valid host name", ErrInvalid, s.Hostname)
	}
	return nil
}

// Validate checks the request: schema, spec, image key and reason.
func (r BuildRequest) Validate() error {
	if r.Schema != Schema {
		return fmt.Errorf("%w: schema %q, want %q", ErrInvalid, r.Schema, Schema)
	}
	if err := r.Spec.Validate(); err != nil {
		return err
	}
	if !ValidImageKey(r.ImageKey) {
		return fmt.Errorf("%w: image_key %q has characters that are not allowed", ErrInvalid, r.ImageKey)
	}
	if !validDigest(r.ProfileDigest) {
		return fmt.Errorf("%w: profile_digest %q is malformed", ErrInvalid, r.ProfileDigest)
	}
	switch r.Reason {
	case ReasonProfileChanged, ReasonManual, ReasonSchedule, ReasonRetry:
	default:
		return fmt.Errorf("%w: reason %q is unknown", ErrInvalid, r.Reason)
	}
	return nil
}
