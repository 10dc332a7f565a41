// Package oneshot is one scan of Aquilon's profiles, as cron, packuilon-watch-once.timer and
// cdp-listend run it: `packuilon watch --once` and the small packuilon-watch-once binary are
// both this package. It links only profilewatch, internal/config and internal/logging (and
// pflag for its command line), so that the binary that runs it starts in half the time of the
// full packuilon binary; cmd/packuilon-watch-once's test keeps it so.
package oneshot

import (
	"context"
	"fmt"
	"io"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/startup"
	"github.com/packuilon/packuilon/profilewatch"
)

// Options is one one-shot scan.
type Options struct {
	// Config is the configuration file (startup.DefaultConfig unless given).
	Config string
	// PublishAll publishes every matching profile, changed or not (also on the first run).
	PublishAll bool
	// Stdout gets the report line, Stderr the failure line and the stderr logs.
	Stdout, Stderr io.Writer
}

// Run loads the configuration, logs its notices under the watcher's syslog tag and scans once:
// 0 when the scan completed (one report line on Stdout), 1 with one line on Stderr otherwise
// (also after the report line, when the scan was stopped with candidates left for the next).
// Cancelling ctx (SIGINT, SIGTERM) stops the scan.
func Run(ctx context.Context, o Options) int {
	if o.Config == "" {
		o.Config = startup.DefaultConfig
	}
	cfg, log, ok := startup.Setup(o.Config, o.Stderr, startup.Watcher)
	if !ok {
		return 1
	}
	// Its failure line quotes paths and URLs of the configuration: what their %(name)s
	// references brought in (it may be a secret) is shown as written.
	o.Stderr = config.AsWrittenWriter(o.Stderr)
	startup.LogNotices(cfg, log, false)
	// Run by cron or cdp-listend, stderr goes nowhere: a failure is also logged, so it reaches
	// syslog when LOG_TARGET = syslog.
	if profilewatch.OneShotGC(cfg.Watch.CacheDir) {
		log.Debug("one-shot scan: garbage collection off until the heap nears the limit", "limit_bytes", profilewatch.OneShotHeap)
	}
	s, err := profilewatch.NewScanner(cfg, log.Named("scan"))
	if err != nil {
		log.Error("cannot scan", "error", err)
		fmt.Fprintf(o.Stderr, "packuilon watch: %v\n", err)
		return 1
	}
	rep, err := s.Scan(ctx, profilewatch.ScanOptions{PublishAll: o.PublishAll})
	if err != nil {
		log.Error("scan failed", "error", err)
		fmt.Fprintf(o.Stderr, "packuilon watch: scan failed: %v\n", err)
		return 1
	}
	fmt.Fprintf(o.Stdout, "packuilon watch: %s\n", rep)
	if rep.Left > 0 { // stopped after its first publish: what it published stands, the rest waits
		fmt.Fprintf(o.Stderr, "packuilon watch: scan stopped: %d candidates left for the next scan\n", rep.Left)
		return 1
	}
	return 0
}
