// Package version is packuilon's version string, shared by every binary (packuilon and
// packuilon-watch-once) so that both print the same one. It is stamped at build time:
//
//	go build -ldflags "-X github.com/packuilon/packuilon/internal/version.stamp=$(git describe)"
package version

import "runtime/debug"

// stamp is set with -ldflags -X (see the Makefile's LDFLAGS and scripts/package).
var stamp = ""

// String is the stamped version, else the module's, else "devel".
func String() string {
	if stamp != "" {
		return stamp
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}
