package notify

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/state"
	"github.com/packuilon/packuilon/internal/testenv"
)

const (
	authUser     = "packuilon-mailer"
	authPassword = "Corr3ct-h0rse-BATTERY"
)

// authNotify is [notify] for a server requiring AUTH, the password file holding pw.
func authNotify(t *testing.T, s *testenv.SMTP, user, pw string) config.Notify {
	t.Helper()
	n := config.Notify{SMTPServer: s.Addr, SMTPTLS: config.SMTPTLSNone, MailFrom: "factory@example.org",
		FailureAddress: []string{"ops@example.org"}, Events: config.AllEvents, RetryDelay: time.Second, Retries: 1}
	if user != "" {
		n.SMTPUser, n.SMTPPasswordFile = user, filepath.Join(t.TempDir(), "smtp_password")
		if err := os.WriteFile(n.SMTPPasswordFile, []byte(pw), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return n
}

// wantAuth checks the AUTH attempts the server saw.
func wantAuth(t *testing.T, s *testenv.SMTP, want ...string) {
	t.Helper()
	got, err := s.AuthAttempts()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("AUTH attempts = %q, want %q", got, want)
	}
}

// TestMailAuth sends through a real server requiring AUTH: the right user and password (the
// password file may end in a newline, as editors write it) deliver the mail, over plain text to
// 127.0.0.1 and after STARTTLS; the server saw AUTH PLAIN as SMTP_USER.
func TestMailAuth(t *testing.T) {
	cert, key := selfSigned(t)
	plain := testenv.StartSMTPWith(t, testenv.SMTPOptions{AuthUser: authUser, AuthPassword: authPassword})
	starttls := testenv.StartSMTPWith(t, testenv.SMTPOptions{Cert: cert, Key: key, AuthUser: authUser, AuthPassword: authPassword})
	for _, c := range []struct {
		name, pw, mode string
		srv            *testenv.SMTP
	}{
		{"plain", authPassword, config.SMTPTLSNone, plain},
		{"trailing newline", authPassword + "\r\n", config.SMTPTLSNone, plain},
		{"starttls", authPassword + "\n", config.SMTPTLSStartTLS, starttls},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := len(c.srv.Mails(t))
			n := authNotify(t, c.srv, authUser, c.pw)
			n.SMTPTLS, n.SMTPCAFile = c.mode, cert
			if err := SendMail(context.Background(), n, n.FailureAddress, failedEvent()); err != nil {
				t.Fatal(err)
			}
			ms := c.srv.WaitMails(t, before+1, time.Minute)
			if !strings.Contains(ms[before].Header.Get("Subject"), "failed at packer") {
				t.Errorf("subject %q", ms[before].Header.Get("Subject"))
			}
		})
	}
	wantAuth(t, plain, "ok PLAIN "+authUser, "ok PLAIN "+authUser)
	wantAuth(t, starttls, "ok PLAIN "+authUser)
}

// TestMailAuthRefused: a wrong password fails the notification with an error naming the server
// and the user, and the password is in no error, recorded reason or log line; a server that
// requires AUTH while SMTP_USER is unset gives an error saying what to set. No mail is accepted.
func TestMailAuthRefused(t *testing.T) {
	s := testenv.StartSMTPWith(t, testenv.SMTPOptions{AuthUser: authUser, AuthPassword: authPassword})
	const wrong = "Wr0ng-pa55word-XYZ"
	var logs bytes.Buffer
	st := openStore(t)
	n := authNotify(t, s, authUser, wrong+"\n")
	d := &Dispatcher{Store: st, Config: func() config.Notify { return n },
		Log: hclog.New(&hclog.LoggerOptions{Output: &logs, Level: hclog.Debug})}
	ctx := context.Background()
	ev := failedEvent()
	if err := Queue(ctx, st, n, ev); err != nil {
		t.Fatal(err)
	}
	d.Flush(ctx)
	notes, err := st.Notifications(ctx, ev.BuildID)
	if err != nil || len(notes) != 1 || notes[0].Status != state.NoteFailed {
		t.Fatalf("notifications = %+v (%v), want one failed", notes, err)
	}
	reason := notes[0].LastError
	for _, want := range []string{s.Addr, "authentication as " + authUser + " failed"} {
		if !strings.Contains(reason, want) {
			t.Errorf("reason %q lacks %q", reason, want)
		}
	}
	if !strings.Contains(logs.String(), "authentication as "+authUser) {
		t.Errorf("the failure is not logged:\n%s", logs.String())
	}
	for what, text := range map[string]string{"reason": reason, "log": logs.String()} {
		for _, secret := range []string{wrong, authPassword} {
			if strings.Contains(text, secret) {
				t.Errorf("the %s contains the password:\n%s", what, text)
			}
		}
	}
	wantAuth(t, s, "refused PLAIN "+authUser)

	err = SendMail(ctx, authNotify(t, s, "", ""), []string{"ops@example.org"}, ev)
	if err == nil || !strings.Contains(err.Error(), s.Addr+" requires authentication: set SMTP_USER and SMTP_PASSWORD_FILE") {
		t.Errorf("no SMTP_USER for a server requiring AUTH: %v", err)
	}
	if ms := s.Mails(t); len(ms) != 0 {
		t.Errorf("%d mails accepted without AUTH", len(ms))
	}
}
