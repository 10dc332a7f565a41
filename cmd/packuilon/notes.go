package main

import (
	"fmt"
	"io"
	"time"

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
