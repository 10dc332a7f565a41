package builder

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/state"
)

// TestFailedBuildHidesSecretBroughtIntoPath: ADMIN_AUTH_FILE's path is built from a %(name)s
// reference to a secret (RABBIT_PW), and the file is missing: the promote stage fails with an
// error naming it, after a test stage that could not judge the image for the same reason. The
// build's recorded message, error and test verdict (shown by status, show, the page and mails)
// name the path as written, never the secret.
func TestFailedBuildHidesSecretBroughtIntoPath(t *testing.T) {
	const secret = "s3cret-rabbit-pw-5151"
	dir := t.TempDir()
	path := filepath.Join(dir, "config.ini")
	ini := "[DEFAULT]\nRABBIT_PW = " + secret + "\n" +
		"[global]\nSTATE_DIR = state/\n" +
		"[rabbit2packer]\nADMIN_AUTH_FILE = %(RABBIT_PW)s/admin-auth.sh\n[promote]\nENABLED = true\n"
	if err := os.WriteFile(path, []byte(ini), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	st, err := state.Open(filepath.Join(dir, "builds.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rec, _, err := st.Intake(ctx, request("written", "sha256:written"), "")
	if err != nil {
		t.Fatal(err)
	}
	// A test stage judges nothing and says why: the auth file cannot be read.
	testing := stageFunc{"testing", func(_ context.Context, b *Build) error {
		_, err := os.ReadFile(b.Config.Promote.AuthFile)
		b.Artifacts = []Artifact{{Key: rec.ImageKey, Name: "SL7", ImageID: "0b1e9e42-3e58-4b4b-8a8e-000000000001",
			TestVerdict: "not judged: " + err.Error()}}
		return nil
	}}
	promote := stageFunc{state.PromotingStage, func(ctx context.Context, b *Build) error {
		return (&PromoteStage{}).Run(ctx, b)
	}}
	out, err := (&Pipeline{Stages: []Stage{testing, promote}, Store: st}).Run(ctx, rec, cfg, hclog.NewNullLogger())
	if err != nil {
		t.Fatal(err)
	}
	got, err := st.Get(ctx, rec.ID)
	if err != nil {
		t.Fatal(err)
	}
	written := filepath.Join(dir, "%(RABBIT_PW)s", "admin-auth.sh")
	for what, s := range map[string]string{"message": out.Message, "recorded message": got.Message, "recorded error": got.Error,
		"recorded artifacts": string(got.Artifacts)} {
		if strings.Contains(s, secret) || !strings.Contains(s, written) {
			t.Errorf("%s %q: want the auth file's path as written (%s)", what, s, written)
		}
	}
	if out.State != state.Failed {
		t.Errorf("state %s, want failed", out.State)
	}
}
