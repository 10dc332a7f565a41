package testenv

import (
	"bytes"
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
}

// StartSMTP starts an SMTP server for t on a free port, stopped when t ends.
func StartSMTP(t testing.TB) *SMTP {
	t.Helper()
	if err := exec.Command("/usr/bin/python3", "-c", "import aiosmtpd").Run(); err != nil {
		msg := "python3-aiosmtpd is not installed (run make deps)"
		if os.Getenv(RequireEnv) != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "log"), 0o700); err != nil {
		t.Fatal(err)
	}
	port, err := FreePort()
	if err != nil {
		t.Fatal(err)
	}
	s := &SMTP{Addr: "127.0.0.1:" + strconv.Itoa(port), Maildir: filepath.Join(dir, "maildir")}
	svc, err := startService(dir, "smtp", nil, "/usr/bin/python3", "-m", "aiosmtpd", "-n",
		"-l", s.Addr, "-c", "aiosmtpd.handlers.Mailbox", s.Maildir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc.stop)
	if err := WaitTCP(s.Addr, time.Minute); err != nil {
		out, _ := os.ReadFile(filepath.Join(dir, "log", "smtp.out"))
		t.Fatalf("SMTP server did not start: %v\n%s", err, out)
	}
	return s
}

// Mails returns the mails received so far, oldest first.
func (s *SMTP) Mails(t testing.TB) []*mail.Message {
	t.Helper()
	dir := filepath.Join(s.Maildir, "new")
	ents, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	type item struct {
		at  time.Time
		msg *mail.Message
	}
	var items []item
	for _, e := range ents {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		m, err := mail.ReadMessage(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("mail %s: %v", e.Name(), err)
		}
		info, _ := e.Info()
		items = append(items, item{info.ModTime(), m})
	}
	sort.SliceStable(items, func(i, j int) bool { return items[i].at.Before(items[j].at) })
	out := make([]*mail.Message, len(items))
	for i, it := range items {
		out[i] = it.msg
	}
	return out
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

// String names the server in test logs.
func (s *SMTP) String() string { return fmt.Sprintf("smtp %s", s.Addr) }
