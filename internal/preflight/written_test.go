package preflight

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/testenv"
)

// TestOnlineShowsReferencesAsWritten: a path that reaches a secret through a %(name)s reference
// is shown in the results as the file writes it, as check-config's problems are, never expanded.
func TestOnlineShowsReferencesAsWritten(t *testing.T) {
	held, err := testenv.HoldPort() // the broker: refused at once
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	_, port, _ := strings.Cut(held.Addr, ":")
	// The second secret has a "//", which a relative path made absolute loses (filepath.Join
	// cleans it): it showed as s3cret/pw-78.
	for _, secret := range []string{"s3cretpw-77", "s3cret//pw-78"} {
		dir := t.TempDir()
		ini := "[DEFAULT]\nRABBIT_PW = " + secret + "\n" +
			"[global]\nRABBIT_HOST = 127.0.0.1\nRABBIT_PORT = " + port + "\n" +
			"[rabbit2packer]\nPACKER_TEMPLATE_MAP = map.yaml\n" +
			"PACKER_PATH = /nonexistent/%(RABBIT_PW)s/packer\nPACKER_AUTH_FILE = auth/%(RABBIT_PW)s/openrc\n" +
			"[promote]\nENABLED = false\n[smoke]\nMETHOD = none\n"
		path := filepath.Join(dir, "config.ini")
		if err := os.WriteFile(path, []byte(ini), 0o600); err != nil {
			t.Fatal(err)
		}
		cfg, err := config.Load(path)
		if err != nil {
			t.Fatal(err)
		}
		results := Run(context.Background(), cfg, func(string) string { return "" }, nil)
		var shown []string
		for _, r := range results {
			t.Log(r)
			if strings.Contains(r.String(), secret) || strings.Contains(r.String(), filepath.Clean(secret)) {
				t.Errorf("the secret is in a result: %s", r)
			}
			if strings.Contains(r.String(), "%(RABBIT_PW)s") {
				shown = append(shown, r.Name)
			}
		}
		if len(shown) < 2 {
			t.Errorf("want packer's path and auth file shown as written, got it in %q", shown)
		}
	}
}
