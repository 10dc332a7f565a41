package oneshot

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestOnceFalseIsAUsageError: --once=false (which makes `packuilon watch` the daemon) is refused
// with exit 2 rather than ignored with a scan; --once and --once=true are accepted as
// `packuilon watch --once` takes them (they get as far as the configuration, here missing).
func TestOnceFalseIsAUsageError(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "missing.ini")
	var out, errOut bytes.Buffer
	if code := Main(context.Background(), []string{"--config", cfg, "--once=false"}, &out, &errOut); code != 2 ||
		!strings.Contains(errOut.String(), "--once=false") || !strings.HasSuffix(errOut.String(), "Run '"+Name+" --help' for usage.\n") {
		t.Errorf("--once=false: exit %d, stderr %q", code, errOut.String())
	}
	for _, flag := range []string{"--once", "--once=true"} {
		out.Reset()
		errOut.Reset()
		if code := Main(context.Background(), []string{"--config", cfg, flag}, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), "configuration is not usable") {
			t.Errorf("%s: exit %d, stderr %q", flag, code, errOut.String())
		}
	}
}
