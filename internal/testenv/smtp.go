package testenv

import (
	"bytes"
	"errors"
	"fmt"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
	"time"
)

// SMTP is a real SMTP server on loopback: aiosmtpd (Debian python3-aiosmtpd) with its Mailbox
// handler, which stores every mail it accepts in a Maildir.
type SMTP struct {
	// Addr is host:port of the server (plain SMTP, no TLS, no auth).
	Addr string
	// Maildir is where the mails land (new/ holds one file per mail).
	Maildir string
	svc     *service
	authLog string
}

// ErrNoAiosmtpd says python3-aiosmtpd is missing.
var ErrNoAiosmtpd = errors.New("python3-aiosmtpd is not installed (run make deps)")

// SMTPOptions choose TLS for the server: with Cert and Key (PEM files) it offers and requires
// STARTTLS, or, with Implicit, speaks TLS from the start (SMTPS). With AuthUser, it requires
// AUTH as AuthUser with AuthPassword before MAIL (over plain text too, as the server is on
// 127.0.0.1; after STARTTLS when it offers it) and records the attempts (AuthAttempts).
type SMTPOptions struct {
	Cert, Key              string
	Implicit               bool
	AuthUser, AuthPassword string
}

// StartSMTPServer starts an SMTP server on a free loopback port, its Maildir and log in dir.
func StartSMTPServer(dir string, o SMTPOptions) (*SMTP, error) {
	// Isolated (-I): neither the probe nor the server reads the caller's PYTHON* variables or a
	// user site under $HOME, so the probe finds aiosmtpd only where the server will (the package).
	if err := exec.Command("/usr/bin/python3", "-I", "-c", "import aiosmtpd").Run(); err != nil {
		return nil, ErrNoAiosmtpd
	}
	if err := os.MkdirAll(filepath.Join(dir, "log"), 0o700); err != nil {
		return nil, err
	}
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	s := &SMTP{Addr: "127.0.0.1:" + strconv.Itoa(port), Maildir: filepath.Join(dir, "maildir")}
	argv := []string{"/usr/bin/python3", "-I", "-m", "aiosmtpd", "-n", "-l", s.Addr}
	switch {
	case o.Cert != "" && o.Implicit:
		argv = append(argv, "--smtpscert", o.Cert, "--smtpskey", o.Key)
	case o.Cert != "":
		argv = append(argv, "--tlscert", o.Cert, "--tlskey", o.Key)
	}
	argv = append(argv, "-c", "aiosmtpd.handlers.Mailbox", s.Maildir)
	if o.AuthUser != "" {
		if argv, err = s.authArgv(dir, strconv.Itoa(port), o); err != nil {
			return nil, err
		}
	}
	if s.svc, err = startService(dir, "smtp", nil, argv...); err != nil {
		return nil, err
	}
	if err := WaitTCP(s.Addr, time.Minute); err != nil {
		s.Stop()
		out, _ := os.ReadFile(filepath.Join(dir, "log", "smtp.out"))
		return nil, fmt.Errorf("SMTP server did not start: %w\n%s", err, out)
	}
	if err := s.svc.checkOwnsPort(port); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

// StartSMTP starts an SMTP server for t, stopped when t ends.
func StartSMTP(t testing.TB) *SMTP { return StartSMTPWith(t, SMTPOptions{}) }

// StartSMTPWith starts an SMTP server with TLS options for t, stopped when t ends.
func StartSMTPWith(t testing.TB, o SMTPOptions) *SMTP {
	t.Helper()
	s, err := StartSMTPServer(t.TempDir(), o)
	if errors.Is(err, ErrNoAiosmtpd) && os.Getenv(RequireEnv) == "" {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}

// Stop stops the server.
func (s *SMTP) Stop() { s.svc.stop() }

// ReadMails returns the mails received so far, oldest first.
func (s *SMTP) ReadMails() ([]*mail.Message, error) {
	dir := filepath.Join(s.Maildir, "new")
	ents, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	type item struct {
		at  time.Time
		msg *mail.Message
	}
	var items []item
	for _, e := range ents {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		m, err := mail.ReadMessage(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("mail %s: %w", e.Name(), err)
		}
		info, _ := e.Info()
		items = append(items, item{info.ModTime(), m})
	}
	sort.SliceStable(items, func(i, j int) bool { return items[i].at.Before(items[j].at) })
	out := make([]*mail.Message, len(items))
	for i, it := range items {
		out[i] = it.msg
	}
	return out, nil
}

// Mails returns the mails received so far, oldest first.
func (s *SMTP) Mails(t testing.TB) []*mail.Message {
	t.Helper()
	ms, err := s.ReadMails()
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

// WaitMails waits until at least n mails arrived, or fails t after timeout.
func (s *SMTP) WaitMails(t testing.TB, n int, timeout time.Duration) []*mail.Message {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if ms := s.Mails(t); len(ms) >= n {
			return ms
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d mails after %s, want %d", len(s.Mails(t)), timeout, n)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
