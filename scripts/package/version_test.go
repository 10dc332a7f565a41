package main

import "testing"

func TestPackageVersion(t *testing.T) {
	tests := map[string]string{
		"v1.2.3":                   "1.2.3",
		"1.2.3-4-gabc123":          "1.2.3+4.gabc123",
		"v0.9-12-g0123abcd-dirty":  "0.9+12.g0123abcd.dirty",
		"0.0.0-164-g999d73b-dirty": "0.0.0+164.g999d73b.dirty",
	}
	for in, want := range tests {
		if got, err := packageVersion(in); err != nil || got != want {
			t.Errorf("packageVersion(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "abc123", "v1.2.3; rm -rf /", "release-1"} {
		if v, err := packageVersion(bad); err == nil {
			t.Errorf("packageVersion(%q) = %q, want an error", bad, v)
		}
	}
}
