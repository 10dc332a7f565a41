package testenv

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// chromiumTimeout bounds one headless Chromium run.
const chromiumTimeout = 2 * time.Minute

// ErrNoChromium says Debian's chromium is missing.
var ErrNoChromium = errors.New("chromium is not installed (run make deps)")

// Chromium runs headless Chromium (Debian chromium) on url with extra flags, in a private
// profile directory under dir, and returns its stdout. Nothing of the host's profile or network
// services is used: no sync, no component updates, no background networking, no QUIC.
func Chromium(dir, url string, extra ...string) ([]byte, error) {
	bin, err := lookPath("chromium")
	if err != nil {
		return nil, ErrNoChromium
	}
	args := append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + filepath.Join(dir, "chromium-profile")}, extra...)
	ctx, cancel := context.WithTimeout(context.Background(), chromiumTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append(args, url)...)
	cmd.Env = append(systemPathEnv(), "HOME="+dir, "XDG_CONFIG_HOME="+dir, "XDG_CACHE_HOME="+dir)
	// Its own process group, killed whole: Chromium starts helpers (zygote, renderer, GPU).
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	var stderr limitedBuffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("chromium %s: %w\n%s", url, err, stderr.String())
	}
	return out, nil
}

// chromium is Chromium for a test: skipped (or failed, with PACKUILON_REQUIRE_SERVICES) when
// Chromium is missing.
func chromium(t testing.TB, url string, extra ...string) []byte {
	t.Helper()
	out, err := Chromium(t.TempDir(), url, extra...)
	if errors.Is(err, ErrNoChromium) && os.Getenv(RequireEnv) == "" {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// DumpDOM loads url in headless Chromium and returns the DOM after the page loaded.
func DumpDOM(t testing.TB, url string) string {
	t.Helper()
	return string(chromium(t, url, "--dump-dom"))
}

// Screenshot loads url in headless Chromium with a window of width x height CSS pixels and
// returns the PNG file it wrote.
func Screenshot(t testing.TB, url string, width, height int) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "screenshot.png")
	chromium(t, url, "--screenshot="+file, fmt.Sprintf("--window-size=%d,%d", width, height), "--hide-scrollbars")
	if _, err := os.Stat(file); err != nil {
		t.Fatalf("chromium wrote no screenshot: %v", err)
	}
	return file
}

// limitedBuffer keeps the first 64 KiB written to it (Chromium's stderr is chatty).
type limitedBuffer struct{ b []byte }

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := 64<<10 - len(l.b); room > 0 {
		l.b = append(l.b, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

func (l *limitedBuffer) String() string { return string(l.b) }
