package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/profilewatch"
)

// OnceName is the name under which the binary (a symlink to it) runs one scan with no arguments:
// cdp-listend executes its nch command without arguments, as it did cdb2rabbit.
const OnceName = "packuilon-watch-once"

func init() {
	register("watch", "watch Aquilon's profiles and publish build requests (replaces cdb2rabbit)", runWatch)
	// Done here rather than in main so the one-scan alias stays with the command it stands for.
	if filepath.Base(os.Args[0]) == OnceName {
		os.Args = append([]string{os.Args[0], "watch", "--once"}, os.Args[1:]...)
	}
}

// runWatch is `packuilon watch [--once] [--publish-all]`. With --once (cron, systemd timer,
// cdp-listend's nch) it scans once: exit 0 when the scan completed, 1 with one line otherwise.
func runWatch(ctx context.Context, env *cmdEnv, args []string) int {
	fs, path := newFlags(env, "watch")
	once := fs.Bool("once", false, "scan once and exit (for cron, a systemd timer or cdp-listend)")
	publishAll := fs.Bool("publish-all", false, "publish every matching profile, changed or not (also on the first run)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(env.stderr, "packuilon watch: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	cfg, log, ok := setup(env, *path)
	if !ok {
		return 1
	}
	if !*once {
		err := profilewatch.Run(ctx, profilewatch.Options{
			Config:     cfg,
			Load:       func() (*config.Config, error) { return config.Load(*path) },
			Reload:     env.reload,
			Log:        log.Named("watch"),
			PublishAll: *publishAll,
		})
		if err != nil {
			fmt.Fprintf(env.stderr, "packuilon watch: %v\n", err)
			return 1
		}
		return 0
	}
	s, err := profilewatch.NewScanner(cfg, log.Named("scan"))
	if err != nil {
		fmt.Fprintf(env.stderr, "packuilon watch: %v\n", err)
		return 1
	}
	rep, err := s.Scan(ctx, profilewatch.ScanOptions{PublishAll: *publishAll})
	if err != nil {
		fmt.Fprintf(env.stderr, "packuilon watch: scan failed: %v\n", err)
		return 1
	}
	fmt.Fprintf(env.stdout, "packuilon watch: %s\n", rep)
	return 0
}
