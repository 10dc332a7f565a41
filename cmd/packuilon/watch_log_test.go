package main

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestWatchOnceLogsFailureToSyslog runs `watch --once` as cdp-listend or cron would, with
// LOG_TARGET = syslog, against a profile index that does not exist: exit 1, and the failure
// reaches syslog at priority err under the watcher's tag.
func TestWatchOnceLogsFailureToSyslog(t *testing.T) {
	dir := t.TempDir()
	sock := filepath.Join(dir, "syslog.sock")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	cfgPath := filepath.Join(dir, "config.ini")
	ini := "[global]\nLOG_TARGET = syslog\nSYSLOG_SOCKET = " + sock + "\n[cdb2rabbit]\nPROFILE_INFO_URL = file://" + filepath.Join(dir, "no-such-dir", "profiles-info.xml") +
		"\nCACHE_DIR = " + filepath.Join(dir, "cache") + "\n"
	if err := os.WriteFile(cfgPath, []byte(ini), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	code := cli("watch")(ctx, &cmdEnv{stdout: os.Stdout, stderr: os.Stderr}, []string{"--once", "-c", cfgPath})
	if code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, 8192)
	for {
		n, err := conn.Read(buf)
		if err != nil {
			t.Fatalf("no error line in syslog: %v", err)
		}
		if got := string(buf[:n]); strings.HasPrefix(got, "<27>") && strings.Contains(got, "packuilon-watch[") {
			return
		}
	}
}
