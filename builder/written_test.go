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
	cfg := authFileFromSecret(t, dir, secret, "[promote]\nENABLED = true\n")
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

// TestArtifactsJSONLeavesTheBuildAlone: the store's copy of the artifacts shows a path that a
// %(name)s reference brought in as written, but the build's own artifacts, which the later
// stages and the observers read, keep their texts (the verdict, and the promotion's warnings,
// whose slice the caller may share).
func TestArtifactsJSONLeavesTheBuildAlone(t *testing.T) {
	const secret = "s3cret-artifacts-pw-7272"
	cfg := authFileFromSecret(t, t.TempDir(), secret, "")
	auth := cfg.Promote.AuthFile
	warnings := []string{"sweep: open " + auth + ": no such file"}
	b := &Build{Artifacts: []Artifact{{Key: "sl7.base", TestVerdict: "not judged: open " + auth, PromoteWarnings: warnings}}}
	js, err := artifactsJSON(b)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(js), secret) || !strings.Contains(string(js), "%(RABBIT_PW)s") {
		t.Errorf("stored artifacts %s: want the path as written", js)
	}
	if got := b.Artifacts[0].TestVerdict; got != "not judged: open "+auth {
		t.Errorf("the build's verdict became %q", got)
	}
	if got := warnings[0]; got != "sweep: open "+auth+": no such file" {
		t.Errorf("the caller's warnings became %q", got)
	}
	// The mails, which read the build's artifacts, show the path as written too.
	ev := BuildEvent(config.EventAwaitingApproval, state.Record{ID: "b1", ImageKey: "sl7"}, b, cfg.Promote)
	if got := ev.Images[0].TestVerdict; strings.Contains(got, secret) || !strings.Contains(got, "%(RABBIT_PW)s") {
		t.Errorf("the mail's verdict %q: want the path as written", got)
	}
}

// authFileFromSecret loads a configuration in dir whose ADMIN_AUTH_FILE is built from a
// %(name)s reference to secret (RABBIT_PW), with more sections after it.
func authFileFromSecret(t *testing.T, dir, secret, more string) *config.Config {
	t.Helper()
	path := filepath.Join(dir, "config.ini")
	ini := "[DEFAULT]\nRABBIT_PW = " + secret + "\n" +
		"[global]\nSTATE_DIR = state/\n" +
		"[rabbit2packer]\nADMIN_AUTH_FILE = %(RABBIT_PW)s/admin-auth.sh\n" + more
	if err := os.WriteFile(path, []byte(ini), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}
