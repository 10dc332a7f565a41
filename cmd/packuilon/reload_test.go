package main

import (
	"context"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/packuilon/packuilon/internal/testenv"
)

// TestReloadWaitsForVerdict runs the watcher daemon as its unit would (RUNTIME_DIRECTORY set,
// SIGHUP turned into a reload) and `packuilon reload --pid` as the unit's ExecReload: exit 0 when
// the daemon took the new configuration, exit 1 with the daemon's reason when it refused a broken
// one, and 0 again once the file is fixed.
func TestReloadWaitsForVerdict(t *testing.T) {
	rabbit := testenv.PrivateRabbit(t)
	dir := t.TempDir()
	cfgPath, err := testenv.WriteSite(dir, testenv.SiteOptions{Rabbit: rabbit, Queue: testenv.UniqueName(t),
		Profiles: testenv.NewProfileServer(t, testenv.ProfileServerOptions{}), ProfileMatch: ".json"})
	if err != nil {
		t.Fatal(err)
	}
	good, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("RUNTIME_DIRECTORY", t.TempDir())
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	reload := make(chan struct{}, 1)
	go func() {
		for range hup {
			reload <- struct{}{}
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	done := make(chan int, 1)
	go func() {
		done <- execute(ctx, &cmdEnv{stdout: os.Stderr, stderr: os.Stderr, reload: reload}, []string{"watch", "--config", cfgPath})
	}()
	pid := strconv.Itoa(os.Getpid())
	if code, out, errOut := runLine(t, "reload", "--pid", pid, "--timeout", "1m"); code != 0 || !strings.Contains(out, "runs the new configuration") {
		t.Fatalf("reload of a good configuration: exit %d: %s%s", code, out, errOut)
	}
	if err := os.WriteFile(cfgPath, append(append([]byte{}, good...), "\n[global]\nRABBIT_PORT = many\n"...), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := runLine(t, "reload", "--pid", pid, "--timeout", "1m"); code != 1 || !strings.Contains(errOut, "refused") || !strings.Contains(errOut, "RABBIT_PORT") {
		t.Fatalf("reload of a broken configuration: exit %d: %s%s", code, out, errOut)
	}
	if err := os.WriteFile(cfgPath, good, 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := runLine(t, "reload", "--pid", pid, "--timeout", "1m"); code != 0 {
		t.Fatalf("reload after the fix: exit %d: %s%s", code, out, errOut)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("watcher exit %d", code)
	}
}
