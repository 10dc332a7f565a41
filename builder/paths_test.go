package builder

import (
	"path/filepath"
	"testing"
)

func TestBuildPath(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, dir, key, stem, id string
		ok                       bool
	}{
		{"plain", dir, "p-sl7x-x86_64", "managed", "20260101T000000-abcdef01", true},
		{"empty dir", "", "p-sl7x-x86_64", "managed", "20260101T000000-abcdef01", false},
		{"relative dir", "log", "p-sl7x-x86_64", "managed", "20260101T000000-abcdef01", false},
		{"key with a path", dir, "../etc", "managed", "20260101T000000-abcdef01", false},
		{"hidden stem", dir, "p-sl7x-x86_64", ".x", "20260101T000000-abcdef01", false},
		{"id with a slash", dir, "p-sl7x-x86_64", "managed", "a/b", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := buildPath(tc.dir, tc.key, tc.stem, tc.id, ".json")
			if (err == nil) != tc.ok {
				t.Fatalf("buildPath = %q, %v; want ok=%v", p, err, tc.ok)
			}
			if tc.ok && filepath.Dir(p) != tc.dir {
				t.Fatalf("%s is not directly in %s", p, tc.dir)
			}
		})
	}
}
