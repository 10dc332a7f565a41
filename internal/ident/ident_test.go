package ident_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/packuilon/packuilon/internal/ident"
	"github.com/packuilon/packuilon/internal/ident/identtest"
)

func TestValidIsTheRegexp(t *testing.T) {
	for _, max := range []int{1, 2, 64, 100, 128, 160} {
		t.Run(fmt.Sprint(max), func(t *testing.T) {
			re := regexp.MustCompile(fmt.Sprintf(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,%d}$`, max-1))
			identtest.Same(t, re.MatchString, func(s string) bool { return ident.Valid(s, max) }, identtest.Strings(max))
		})
	}
}

func TestPathSafeIsTheRegexpWithoutDotDot(t *testing.T) {
	for _, max := range []int{1, 2, 3, 64, 100, 160} {
		t.Run(fmt.Sprint(max), func(t *testing.T) {
			re := regexp.MustCompile(fmt.Sprintf(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,%d}$`, max-1))
			want := func(s string) bool { return re.MatchString(s) && !strings.Contains(s, "..") }
			inputs := append(identtest.Strings(max), "a..", "a.b..c", "a.b.c", "a-.", "a.-.", "0..0")
			identtest.Same(t, want, func(s string) bool { return ident.PathSafe(s, max) }, inputs)
		})
	}
}

// TestInputsCatchDrift checks that the generated inputs tell apart matchers that differ only
// slightly, so that TestValidIsTheRegexp and its kind in other packages can fail.
func TestInputsCatchDrift(t *testing.T) {
	valid64 := func(s string) bool { return ident.Valid(s, 64) }
	host := regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]{0,62}(\.[A-Za-z0-9][A-Za-z0-9-]{0,62})*$`).MatchString
	for _, tc := range []struct {
		name        string
		want, drift func(string) bool
		inputs      []string
	}{
		{"one byte shorter", valid64, func(s string) bool { return ident.Valid(s, 63) }, identtest.Strings(64)},
		{"one byte longer", valid64, func(s string) bool { return ident.Valid(s, 65) }, identtest.Strings(64)},
		{"'_' first", valid64, func(s string) bool { return valid64(s) || s != "" && s[0] == '_' && valid64("a"+s[1:]) }, identtest.Strings(64)},
		{"no '-'", valid64, func(s string) bool { return valid64(s) && !strings.Contains(s, "-") }, identtest.Strings(64)},
		{"'~' too", valid64, func(s string) bool { return valid64(strings.ReplaceAll(s, "~", "a")) }, identtest.Strings(64)},
		{"multi-line", valid64, func(s string) bool { return valid64(strings.TrimSuffix(s, "\n")) }, identtest.Strings(64)},
		{"labels of 64", host, regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]{0,63}(\.[A-Za-z0-9][A-Za-z0-9-]{0,63})*$`).MatchString, identtest.HostNames()},
		{"empty labels", host, regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]{0,62}(\.+[A-Za-z0-9][A-Za-z0-9-]{0,62})*$`).MatchString, identtest.HostNames()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if len(identtest.Diff(tc.want, tc.drift, tc.inputs)) == 0 {
				t.Errorf("the inputs do not tell %s from the original", tc.name)
			}
		})
	}
}
