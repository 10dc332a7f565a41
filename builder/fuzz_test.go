package builder

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/packuilon/packuilon/internal/event"
)

// FuzzIntakeDecode feeds message bodies to the intake's decoding. Every rejection must wrap
// event.ErrInvalid (anything else would be requeued for ever instead of dead-lettered), and an
// accepted request must name only files inside the build directory.
func FuzzIntakeDecode(f *testing.F) {
	for _, name := range []string{"testdata/profile-domain-sl7.json", "testdata/skeleton-profile.json"} {
		if data, err := os.ReadFile(name); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(`{"schema": "packuilon.build-request/v1", "image_key": "../../x", "personality": "p"}`))
	f.Add([]byte(`{"system": {"personality": {"name": "a\"b"}}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		req, _, err := event.Decode(body)
		if err != nil {
			if !errors.Is(err, event.ErrInvalid) {
				t.Fatalf("rejection does not wrap ErrInvalid: %v", err)
			}
			return
		}
		dir := "/srv/build"
		p, err := buildPath(dir, req.ImageKey, "managed", "20260101T000000-abcdef01", ".json")
		if err != nil {
			t.Fatalf("accepted request %q cannot name its build file: %v", req.ImageKey, err)
		}
		if filepath.Dir(p) != dir {
			t.Fatalf("build file %s escapes %s", p, dir)
		}
	})
}
