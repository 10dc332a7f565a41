package config

import (
	"regexp"
	"testing"

	"github.com/packuilon/packuilon/internal/ident/identtest"
)

// TestValidHostNameIsTheRegexp compares validHostName with the regexp it replaced.
func TestValidHostNameIsTheRegexp(t *testing.T) {
	re := regexp.MustCompile(`^[A-Za-z0-9_]([A-Za-z0-9_.-]{0,252}[A-Za-z0-9_])?$`)
	identtest.Same(t, re.MatchString, validHostName, append(identtest.HostNames(), identtest.Strings(254)...))
}
