package templates

import (
	"regexp"
	"strings"
	"testing"

	"github.com/packuilon/packuilon/internal/ident/identtest"
)

// TestValidStemIsTheRegexp compares validStem with the regexp it replaced.
func TestValidStemIsTheRegexp(t *testing.T) {
	re := regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$`)
	want := func(s string) bool { return re.MatchString(s) && !strings.Contains(s, "..") }
	identtest.Same(t, want, validStem, identtest.Strings(100))
}
