package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/packuilon/packuilon/internal/testenv"
)

// TestSmokeCommand runs packuilon smoke with the built-in boot test against the Nova simulator:
// exit 0 and PASSED for a good image, exit 1 and REJECTED with the reason for a bad one.
func TestSmokeCommand(t *testing.T) {
	// Private services: this package has no TestMain to stop shared ones.
	o := testenv.PrivateOpenStack(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	sim, err := testenv.StartNovaSim(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Stop)
	dir := t.TempDir()
	if err := o.WriteOpenRC(filepath.Join(dir, "admin-auth.sh"), o.Admin); err != nil {
		t.Fatal(err)
	}
	cfgPath := filepath.Join(dir, "config.ini")
	ini := "[rabbit2packer]\nADMIN_AUTH_FILE = admin-auth.sh\nLOG_DIR = log/\n[smoke]\nMETHOD = boot\nBOOT_TIMEOUT = 30s\n"
	if err := os.WriteFile(cfgPath, []byte(ini), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		outcome testenv.Outcome
		code    int
		want    string
	}{
		{"good image", testenv.OutcomeActive, 0, "PASSED"},
		{"bad image", testenv.OutcomeError, 1, "REJECTED"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			img, err := sim.CreateImage(ctx, o, o.Admin, testenv.SimImage{Name: testenv.UniqueName(t)})
			if err != nil {
				t.Fatal(err)
			}
			sim.SetOutcome(img, tc.outcome)
			var out, errOut bytes.Buffer
			code := cli("smoke")(ctx, &cmdEnv{stdout: &out, stderr: &errOut}, []string{"--config", cfgPath, "--image", img})
			if code != tc.code || !strings.HasPrefix(out.String(), tc.want+" "+img) {
				t.Fatalf("exit %d, output %q (stderr %s), want %d %s", code, out.String(), errOut.String(), tc.code, tc.want)
			}
		})
	}
	var errOut bytes.Buffer
	if code := cli("smoke")(ctx, &cmdEnv{stdout: &errOut, stderr: &errOut}, []string{"--config", cfgPath}); code != smokeUsage {
		t.Fatalf("no --image: exit %d", code)
	}
}
