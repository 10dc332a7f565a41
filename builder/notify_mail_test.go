package builder

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/state"
	"github.com/packuilon/packuilon/internal/testenv"
)

// TestFailedBuildIsMailed: a build whose packer fails mails FAILURE_ADDRESS through a real
// SMTP server with the stage, the reason, the build id, the tail of the log and the commands;
// the store records the notification as sent.
func TestFailedBuildIsMailed(t *testing.T) {
	needPacker(t)
	smtpd := testenv.StartSMTP(t)
	cfg, err := config.Load(copyTree(t))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Notify.SMTPServer, cfg.Notify.FailureAddress = smtpd.Addr, []string{"ops@example.org"}
	rec, err := BuildOnce(context.Background(), Options{Config: cfg, Log: hclog.NewNullLogger()}, request("broken", "sha256:mail"))
	if err != nil {
		t.Fatal(err)
	}
	if rec.State != state.Failed {
		t.Fatalf("build %s, want failed", rec.State)
	}
	m := smtpd.WaitMails(t, 1, time.Minute)[0]
	body, _ := io.ReadAll(m.Body)
	text := m.Header.Get("Subject") + "\n" + string(body)
	want := []string{"failed at packer", rec.ID, rec.ImageKey, "exit status 1", "Last lines of the build log",
		"packuilon show " + rec.ID, "packuilon retry " + rec.ID}
	if tail := logTail(rec.LogPath, 1); len(tail) == 1 {
		want = append(want, tail[0])
	}
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("mail lacks %q:\n%s", w, text)
		}
	}
	st := openStore(t, cfg)
	notes, err := st.Notifications(context.Background(), rec.ID)
	if err != nil || len(notes) != 1 || notes[0].Status != state.NoteSent || notes[0].Event != config.EventBuildFailed {
		t.Errorf("notifications = %+v (%v)", notes, err)
	}
}
