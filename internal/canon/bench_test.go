package canon_test

import (
	"os"
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

// BenchmarkReadSample reads the 9 KB sample profile of internal/event (2-space indentation,
// longer values), with an ignored path and the captures the watcher asks for.
func BenchmarkReadSample(b *testing.B) {
	body, err := os.ReadFile("../event/testdata/profile-domain-sl7.json")
	if err != nil {
		b.Fatal(err)
	}
	c := canon.Compile(canon.Options{Ignore: []string{"/system/network/interfaces"}, Capture: [][]string{
		{"system", "personality", "name"}, {"system", "archetype", "name"}, {"system", "os", "version", "name"},
		{"metadata", "template", "branch", "name"}, {"system", "network", "hostname"}}})
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Read(body); err != nil {
			b.Fatal(err)
		}
	}
}
