package event

import (
	"regexp"
	"strings"
	"testing"

	"github.com/packuilon/packuilon/internal/ident/identtest"
)

// TestMatchersAreTheRegexps compares each hand-written check with the regexp it replaced.
func TestMatchersAreTheRegexps(t *testing.T) {
	notDots := func(re string) func(string) bool {
		m := regexp.MustCompile(re).MatchString
		return func(s string) bool { return m(s) && !strings.Contains(s, "..") }
	}
	for _, tc := range []struct {
		name      string
		want, got func(string) bool
		inputs    []string
	}{
		{"name", notDots(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`), ValidName, identtest.Strings(64)},
		{"image key", notDots(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,159}$`), ValidImageKey, identtest.Strings(160)},
		{"digest", regexp.MustCompile(`^[A-Za-z0-9:_-]{0,200}$`).MatchString, validDigest, identtest.Strings(200)},
		{"host labels", regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*$`).MatchString,
			validHostLabels, append(identtest.HostNames(), identtest.Strings(63)...)},
	} {
		t.Run(tc.name, func(t *testing.T) { identtest.Same(t, tc.want, tc.got, tc.inputs) })
	}
}
