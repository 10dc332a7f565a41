package canon_test

import (
	"testing"

	"github.com/packuilon/packuilon/internal/canon"
	"github.com/packuilon/packuilon/internal/testenv"
)

// BenchmarkRead reads a generated 120 KB template profile (indented, as panc writes it).
func BenchmarkRead(b *testing.B) {
	body := testenv.TemplateProfile{Host: "h", Domain: "d", Personality: "p", Archetype: "a", OS: "sl", Model: "7x-x86_64",
		Branch: "prod", Revision: 1, Size: 120 << 10}.JSON()
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := canon.Read(body, canon.Options{Capture: [][]string{{"system", "personality", "name"}}}); err != nil {
			b.Fatal(err)
		}
	}
}
