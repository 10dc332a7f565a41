package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/glance"
	"github.com/packuilon/packuilon/internal/notify"
	"github.com/packuilon/packuilon/internal/state"
)

// printNotifications prints a build's notifications: sent, pending (with the next try) or
// failed for good (with the reason).
func printNotifications(w io.Writer, notes []state.Notification) {
	for _, n := range notes {
		line := fmt.Sprintf("notify:      %-24s %-14s %s", n.Event, n.Target, n.Status)
		switch n.Status {
		case state.NotePending:
			if n.Attempts > 0 {
				line += fmt.Sprintf(" (try %d at %s: %s)", n.Attempts+1, n.NextAt.Local().Format(time.DateTime), n.LastError)
			}
		case state.NoteFailed:
			line += fmt.Sprintf(" after %d tries: %s", n.Attempts, n.LastError)
		}
		fmt.Fprintln(w, line)
	}
}

// queueRollback logs the rollback in the build store (the builder's packuilon_rollbacks_total)
// and tells staff (image.rolled_back) through its outbox; the builder daemon delivers it.
func queueRollback(ctx context.Context, env *cmdEnv, cfg *config.Config, key string, res *glance.Result) {
	st, err := buildStore(cfg, false)
	if err != nil {
		fmt.Fprintf(env.stderr, "packuilon rollback: no notification: %v\n", err)
		return
	}
	defer st.Close()
	ev := notify.New(config.EventImageRolledBack)
	ev.ImageKey, ev.Message = key, "rolled back by "+operator()
	if res != nil {
		ev.Images = []notify.Image{{Key: key, ImageID: res.CurrentID, Warehoused: res.WarehousedID, Promoted: true}}
		if err := st.RecordRollback(ctx, key, res.CurrentID, res.WarehousedID, operator()); err != nil {
			fmt.Fprintf(env.stderr, "packuilon rollback: %v\n", err)
		}
	}
	if err := notify.Queue(ctx, st, cfg.Notify, ev); err != nil {
		fmt.Fprintf(env.stderr, "packuilon rollback: no notification: %v\n", err)
	}
}
