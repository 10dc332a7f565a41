package notify

import (
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/packuilon/packuilon/internal/state"
	"github.com/packuilon/packuilon/internal/testenv"
)

// TestMailAuthNotRetried: with RETRIES = 3, a wrong password is sent once (one AUTH attempt)
// and the notification fails at once, its reason naming the server and user and calling it a
// configuration problem; so does a server requiring AUTH while SMTP_USER is unset.
func TestMailAuthNotRetried(t *testing.T) {
	s := testenv.StartSMTPWith(t, testenv.SMTPOptions{AuthUser: authUser, AuthPassword: authPassword})
	for _, c := range []struct {
		name, user, pw string
		want           []string
	}{
		{"wrong password", authUser, "Wr0ng-pa55word-XYZ", []string{s.Addr, "authentication as " + authUser + " failed"}},
		{"no SMTP_USER", "", "", []string{s.Addr + " requires authentication: set SMTP_USER and SMTP_PASSWORD_FILE"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			n := authNotify(t, s, c.user, c.pw)
			n.Retries, n.RetryDelay = 3, 10*time.Millisecond
			note := dispatchOne(t, n, failedEvent())("the notification to be given up",
				func(nt state.Notification) bool { return nt.Status != state.NotePending })
			if note.Status != state.NoteFailed || note.Attempts != 1 {
				t.Errorf("status %s after %d attempts, want failed after 1", note.Status, note.Attempts)
			}
			for _, want := range append(c.want, "configuration problem, not retried") {
				if !strings.Contains(note.LastError, want) {
					t.Errorf("reason %q lacks %q", note.LastError, want)
				}
			}
			if strings.Contains(note.LastError, "Wr0ng") || strings.Contains(note.LastError, authPassword) {
				t.Errorf("reason contains the password: %q", note.LastError)
			}
		})
	}
	wantAuth(t, s, "refused PLAIN "+authUser)
	if ms := s.Mails(t); len(ms) != 0 {
		t.Errorf("%d mails accepted without AUTH", len(ms))
	}
}

// TestMailDownThenUp: a mail server that refuses connections at first is retried (with
// RETRIES = 3), and once it listens the mail is delivered, after one AUTH.
func TestMailDownThenUp(t *testing.T) {
	s := testenv.StartSMTPWith(t, testenv.SMTPOptions{AuthUser: authUser, AuthPassword: authPassword})
	// The port is held (bound, not listening) throughout: connections are refused, and no other
	// process can take it before the server comes up there.
	held, err := testenv.HoldPort()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(held.Close)
	addr := held.Addr
	n := authNotify(t, s, authUser, authPassword)
	n.SMTPServer, n.Retries = addr, 3
	wait := dispatchOne(t, n, failedEvent())
	note := wait("a first failed delivery", func(nt state.Notification) bool { return nt.Attempts > 0 })
	if note.Status != state.NotePending || !strings.Contains(note.LastError, "connection refused") {
		t.Fatalf("after a refused connection: status %s, reason %q; want pending", note.Status, note.LastError)
	}
	forward(t, held, s.Addr) // the server comes up at SMTP_SERVER
	note = wait("the notification to be sent or given up", func(nt state.Notification) bool { return nt.Status != state.NotePending })
	if note.Status != state.NoteSent {
		t.Fatalf("status %s after %d attempts (%s), want sent", note.Status, note.Attempts, note.LastError)
	}
	s.WaitMails(t, 1, time.Minute)
	wantAuth(t, s, "ok PLAIN "+authUser)
}

// forward listens on the held port and relays every connection to the real server at to,
// until t ends.
func forward(t *testing.T, held *testenv.HeldPort, to string) {
	t.Helper()
	ln, err := held.Listen()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				b, err := net.Dial("tcp", to)
				if err != nil {
					return
				}
				defer b.Close()
				go io.Copy(b, c) //nolint:errcheck // ends with either side
				io.Copy(c, b)    //nolint:errcheck // ends with either side
			}()
		}
	}()
}
