package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/oneshot"
	"github.com/packuilon/packuilon/internal/sdnotify"
	"github.com/packuilon/packuilon/internal/startup"
	"github.com/packuilon/packuilon/internal/web"
	"github.com/packuilon/packuilon/profilewatch"
)

func init() { register(newWatchCmd) }

func newWatchCmd(env *cmdEnv) *cobra.Command {
	var once, publishAll bool
	cmd := &cobra.Command{
		Use:   "watch [--once] [--publish-all]",
		Short: "watch Aquilon's profiles and publish build requests (replaces cdb2rabbit)",
		Long: `Watch Aquilon's profiles and publish a build request for each changed one (replaces
cdb2rabbit). Without --once it runs as a daemon (scans at start, on SCHEDULE and on Aquilon's UDP
notification). With --once (cron, a systemd timer, or cdp-listend's nch) it scans once, as the
separate, faster-starting ` + oneshot.Name + ` binary does.` +
			exitStatus("0  the scan completed (--once), or the daemon was stopped", "1  the scan or the daemon failed (one line on stderr, and in syslog when LOG_TARGET = syslog)", exitUsage),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return exit(runWatch(cmd.Context(), env, once, publishAll))
		},
	}
	cmd.Flags().BoolVar(&once, "once", false, "scan once and exit (for cron, a systemd timer or cdp-listend)")
	cmd.Flags().BoolVar(&publishAll, "publish-all", false, "publish every matching profile, changed or not (also on the first run)")
	return cmd
}

// runWatch is `packuilon watch [--once] [--publish-all]`. With --once it scans once
// (internal/oneshot, as the packuilon-watch-once binary does): exit 0 when the scan completed, 1
// with one line otherwise.
func runWatch(ctx context.Context, env *cmdEnv, once, publishAll bool) int {
	if once {
		return oneshot.Run(ctx, oneshot.Options{Config: env.config, PublishAll: publishAll, Stdout: env.stdout, Stderr: env.stderr})
	}
	path := env.config
	cfg, log, ok := setup(env, startup.Watcher)
	if !ok {
		return 1
	}
	startup.LogNotices(cfg, log, false)
	endpoint := web.StartWatcher(cfg.WatchHTTP, log.Named("watch"))
	defer endpoint.Close()
	err := profilewatch.Run(ctx, profilewatch.Options{
		Config:     cfg,
		Load:       func() (*config.Config, error) { return config.Load(path) },
		Reload:     env.reload,
		Reloaded:   reloadVerdicts(log),
		Log:        log.Named("watch"),
		PublishAll: publishAll,
		OnScan: func(r profilewatch.Report, err error) {
			_ = sdnotify.Notify("STATUS=" + endpoint.Scanned(len(r.Published), r.Duration, err))
		},
	})
	if err != nil {
		fmt.Fprintf(env.stderr, "packuilon watch: %v\n", err)
		return 1
	}
	return 0
}
