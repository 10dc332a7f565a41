package rally

import (
	"regexp"
	"testing"

	"github.com/packuilon/packuilon/internal/ident/identtest"
)

// TestSafeIDIsTheRegexp compares safeID with the regexp it replaced.
func TestSafeIDIsTheRegexp(t *testing.T) {
	re := regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)
	identtest.Same(t, re.MatchString, safeID, identtest.Strings(128))
}
