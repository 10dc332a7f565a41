package profilewatch

import (
	"errors"
	"fmt"
	"path"
	"strconv"
	"strings"
)

// Index maps a profile's name, as the index lists it ("host.example.org.json[.gz]"), to its
// modification time in milliseconds since the epoch.
type Index map[string]int64

// msThreshold tells the two mtime units apart: 10^11 seconds is the year 5138, 10^11 ms is 1973.
// Aquilon writes seconds; old SCDB writers wrote milliseconds.
const msThreshold = 100_000_000_000

// maxNameLen bounds a profile name; real ones are host names plus a suffix.
const maxNameLen = 512

// ErrBadIndex is wrapped by every error about the content of an index.
var ErrBadIndex = errors.New("bad profile index")

// IsProfileName reports whether an index entry is a JSON profile (Aquilon's json or json.gz output).
// The index parser gives it the name's bytes, so that an entry it skips costs no string.
func IsProfileName[S ~string | ~[]byte](name S) bool {
	n := len(name)
	return n >= 5 && string(name[n-5:]) == ".json" || n >= 8 && string(name[n-8:]) == ".json.gz"
}

// plainName marks the bytes of a name that is safe as it is when it has no other: a single
// path segment of these is clean and needs no escaping.
var plainName = func() (t [256]bool) {
	for _, c := range "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-" {
		t[c] = true
	}
	return t
}()

// checkName refuses names that could leave the profile directory or change the URL's meaning.
func checkName(name string) error {
	if len(name) <= maxNameLen && name != "." && name != ".." && name != "" {
		i := 0
		for i < len(name) && plainName[name[i]] {
			i++
		}
		if i == len(name) { // the common case: a host name and a suffix
			return nil
		}
	}
	bad := func(why string) error { return fmt.Errorf("%w: profile name %q %s", ErrBadIndex, name, why) }
	switch {
	case len(name) > maxNameLen:
		return bad("is too long")
	case strings.HasPrefix(name, "/"):
		return bad("is absolute")
	case path.Clean(name) != name || strings.HasPrefix(name, "../") || strings.Contains(name, "/../"):
		return bad("is not a clean relative path")
	case strings.ContainsAny(name, "?#\\%"):
		return bad("has URL metacharacters")
	}
	for _, c := range []byte(name) {
		if c < 0x21 || c == 0x7f {
			return bad("has control characters or spaces")
		}
	}
	return nil
}

func parseMTime(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, errors.New("no mtime")
	}
	// Some writers emit fractional seconds; keep millisecond precision.
	if i := strings.IndexByte(s, '.'); i >= 0 {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || f < 0 || f >= msThreshold {
			return 0, fmt.Errorf("mtime %q is not a time", s)
		}
		return int64(f * 1000), nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("mtime %q is not a time", s)
	}
	if n < msThreshold {
		n *= 1000
	}
	return n, nil
}

// digitsValue is s as a decimal number when s is 1 to 15 digits.
func digitsValue[S string | []byte](s S) (int64, bool) {
	if len(s) == 0 || len(s) > 15 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// CacheKey is the name a profile is cached under: the index name without ".gz", so a site that
// turns gzip output on or off does not see every profile as new.
func CacheKey(name string) string { return strings.TrimSuffix(name, ".gz") }
