package logging

import (
	"bytes"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSyslogTagAndPriority logs an error as JSON to a syslog socket of the test's own: the
// datagram carries the daemon facility at priority err (<27>), the tag and the JSON entry.
func TestSyslogTagAndPriority(t *testing.T) {
	sock, read := syslogSocket(t)
	log, err := New(Options{Target: "syslog", SyslogSocket: sock, Tag: "packuilon-watch", Format: "json"})
	if err != nil {
		t.Fatal(err)
	}
	log.Named("scan").Error("scan failed", "error", "broker down")
	got := read()
	if !strings.HasPrefix(got, "<27>") || !strings.Contains(got, "packuilon-watch[") || !strings.Contains(got, `"@level":"error"`) || !strings.Contains(got, `"error":"broker down"`) {
		t.Fatalf("syslog datagram %q", got)
	}
}

// syslogSocket is a syslog socket of the test's own; read returns the next datagram.
func syslogSocket(t *testing.T) (sock string, read func() string) {
	t.Helper()
	sock = filepath.Join(t.TempDir(), "log")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return sock, func() string {
		t.Helper()
		conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		buf := make([]byte, 4096)
		n, err := conn.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		return string(buf[:n])
	}
}

// TestJournalPrefixes checks the journald prefix of each level, on every line of an entry, and
// that JOURNAL_STREAM is honoured only for the stream it names.
func TestJournalPrefixes(t *testing.T) {
	var out bytes.Buffer
	log, err := New(Options{Output: journalWriter(&out, func(w io.Writer) io.Writer { return w }), Level: "debug"})
	if err != nil {
		t.Fatal(err)
	}
	log.Error("boom", "detail", "line one\nline two")
	log.Warn("careful")
	log.Info("fine")
	log.Info("packer said [ERROR] but went on")
	log.Debug("noise")
	lines := strings.Split(strings.TrimRight(out.String(), "\n"), "\n")
	want := []string{"<3>", "<3>", "<3>", "<3>", "<3>", "<4>", "<6>", "<6>", "<7>"}
	if len(lines) != len(want) {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), len(want), out.String())
	}
	for i, l := range lines {
		if !strings.HasPrefix(l, want[i]) {
			t.Errorf("line %d %q, want prefix %s", i, l, want[i])
		}
	}
	f, err := os.CreateTemp(t.TempDir(), "stream")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	env := streamOf(t, f)
	if !isJournalStream(env, f) || isJournalStream(env, os.Stdin) || isJournalStream("", f) {
		t.Fatalf("JOURNAL_STREAM=%s not matched to its own file only", env)
	}
}
