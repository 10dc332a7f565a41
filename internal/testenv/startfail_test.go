package testenv

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestStartErrorQuotesTheNewestLog: the error of a service that did not start names its kept
// directory and quotes the last lines of the log written last, and is not wrapped twice.
func TestStartErrorQuotesTheNewestLog(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "log"), 0o700); err != nil {
		t.Fatal(err)
	}
	old := filepath.Join(dir, "log", "tools.out")
	var lines []string
	for i := 1; i <= 40; i++ {
		lines = append(lines, fmt.Sprintf("line %d", i))
	}
	if err := os.WriteFile(old, []byte("old output\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	past := time.Now().Add(-time.Hour)
	if err := os.Chtimes(old, past, past); err != nil {
		t.Fatal(err)
	}
	failing := filepath.Join(dir, "log", "keystone.out")
	if err := os.WriteFile(failing, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cause := errors.New("keystone exited before answering")
	err := startFailed("keystone", dir, cause, "log")
	msg := err.Error()
	for _, want := range []string{cause.Error(), "kept in " + dir, failing, "line 40", "line 16"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error does not say %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "line 15\n") || strings.Contains(msg, "old output") {
		t.Errorf("error quotes more than the last %d lines of the newest log:\n%s", tailLines, msg)
	}
	if !errors.Is(err, cause) {
		t.Error("the cause is lost")
	}
	if again := startFailed("keystone + glance", dir, fmt.Errorf("start: %w", err), "log"); !strings.Contains(again.Error(), msg) || strings.Count(again.Error(), "kept in") != 1 {
		t.Errorf("wrapped twice:\n%s", again)
	}
}
