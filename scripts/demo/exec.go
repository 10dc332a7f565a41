package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// show runs `packuilon <args> --config <site>` and prints what it printed, indented.
func (d *demo) show(args ...string) error {
	argv := append([]string{args[0], "--config", d.config}, args[1:]...)
	fmt.Printf("    $ packuilon %s\n", strings.Join(argv, " "))
	cmd := exec.Command(d.bin, argv...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		fmt.Println("      " + sc.Text())
	}
	if err != nil {
		return fmt.Errorf("packuilon %s: %w", args[0], err)
	}
	return nil
}

// daemon is a packuilon daemon running in the background, its log in a file.
type daemon struct {
	cmd  *exec.Cmd
	done chan struct{}
}

func (d *demo) start(name string) (*daemon, error) {
	logPath := filepath.Join(d.dir, name+".log")
	f, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(d.bin, name, "--config", d.config)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, err
	}
	say("pid %d, log %s", cmd.Process.Pid, logPath)
	dm := &daemon{cmd: cmd, done: make(chan struct{})}
	go func() { cmd.Wait(); f.Close(); close(dm.done) }()
	return dm, nil
}

func (dm *daemon) stop() {
	dm.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-dm.done:
	case <-time.After(60 * time.Second):
		dm.cmd.Process.Kill()
		<-dm.done
	}
}

// waitBuilds waits until at least n builds have ended (succeeded, failed, skipped, ...) and
// returns every build's state by id.
func (d *demo) waitBuilds(ctx context.Context, n int) (map[string]string, error) {
	deadline := time.Now().Add(5 * time.Minute)
	last := ""
	for time.Now().Before(deadline) {
		out, err := exec.CommandContext(ctx, d.bin, "status", "--config", d.config, "--json").Output()
		if err == nil {
			var recs []struct {
				ID, State, Stage string
			}
			if json.Unmarshal(out, &recs) == nil {
				ended, now, states := 0, []string{}, map[string]string{}
				for _, r := range recs {
					states[r.ID] = r.State
					switch r.State {
					case "succeeded", "failed", "skipped", "superseded", "cancelled", "denied":
						ended++
					}
					now = append(now, r.ID+"="+r.State)
				}
				if s := strings.Join(now, " "); s != last {
					say("builds: %s", s)
					last = s
				}
				if ended >= n {
					return states, nil
				}
			}
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-d.builder.done:
			return nil, fmt.Errorf("the builder exited; see %s", filepath.Join(d.dir, "builder.log"))
		case <-time.After(time.Second):
		}
	}
	return nil, fmt.Errorf("builds did not finish within 5 minutes; see %s", filepath.Join(d.dir, "builder.log"))
}

// succeeded waits until n builds have ended, prints their status and the managed images, and
// fails unless every build succeeded.
func (d *demo) succeeded(ctx context.Context, n int) (map[string]string, error) {
	states, err := d.waitBuilds(ctx, n)
	if err != nil {
		return nil, err
	}
	if err := d.show("status"); err != nil {
		return nil, err
	}
	for id, st := range states {
		if st != "succeeded" {
			return nil, fmt.Errorf("build %s ended %s, want succeeded (see packuilon show --config demo-run/config.ini %s)", id, st, id)
		}
	}
	return states, d.images(ctx)
}
