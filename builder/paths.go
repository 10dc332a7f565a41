package builder

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/packuilon/packuilon/internal/event"
)

// buildPath returns dir/<image key>.<stem>.<build id><ext>; dir must be absolute. Every part was validated (the key
// by event validation, the stem when the template map was loaded, the id is ours), and the
// result is checked to be directly inside dir anyway: nothing is ever written elsewhere.
func buildPath(dir, key, stem, id, ext string) (string, error) {
	if !filepath.IsAbs(dir) {
		// The configuration makes LOG_DIR and BUILD_FILE_DIR absolute; anything else would put
		// build files wherever the daemon happens to run.
		return "", fmt.Errorf("build directory %q is not an absolute path", dir)
	}
	if !event.ValidImageKey(key) || strings.ContainsAny(stem, `/\`) || strings.ContainsAny(id, `/\.`) ||
		stem == "" || strings.Contains(stem, "..") || strings.HasPrefix(stem, ".") {
		return "", fmt.Errorf("unsafe file name parts %q, %q, %q", key, stem, id)
	}
	p := filepath.Join(dir, key+"."+stem+"."+id+ext)
	if filepath.Dir(p) != filepath.Clean(dir) {
		return "", fmt.Errorf("file name %s escapes %s", p, dir)
	}
	return p, nil
}

// ensureDir creates a build or log directory, private to the daemon's user.
func ensureDir(dir string) error {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	return nil
}
