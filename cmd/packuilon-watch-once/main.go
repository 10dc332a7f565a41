// Command packuilon-watch-once is one scan of Aquilon's profiles, exactly `packuilon watch
// --once` (internal/oneshot), in a binary that links only what the scan needs: cron,
// packuilon-watch-once.timer and cdp-listend run it, often every minute, and it starts in about
// half the time of the full packuilon binary. Without arguments it scans with
// /etc/packer-utils/config.ini, as cdp-listend's nch runs it.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/packuilon/packuilon/internal/oneshot"
)

func main() { os.Exit(run()) }

// run turns SIGINT/SIGTERM into a cancelled scan and ignores SIGHUP (as `packuilon watch
// --once` does), then runs the command line.
func run() int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	signal.Ignore(syscall.SIGHUP)
	return oneshot.Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
}
