package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/packuilon/packuilon/builder"
	"github.com/packuilon/packuilon/internal/fsutil"
	"github.com/packuilon/packuilon/internal/state"
)

// printJSON prints v indented, for the --json flags (records and journals always encode).
func printJSON(w io.Writer, v any) {
	out, _ := json.MarshalIndent(v, "", "  ")
	fmt.Fprintln(w, string(out))
}

// printRecord prints a build in a human form.
func printRecord(w io.Writer, r state.Record, journal []state.Entry) {
	fmt.Fprintf(w, "build:       %s\nimage key:   %s\nstate:       %s\n", r.ID, r.ImageKey, r.State)
	if r.Stage != "" {
		fmt.Fprintf(w, "stage:       %s\n", r.Stage)
	}
	fmt.Fprintf(w, "attempt:     %d\nrequested:   %s (%s)\n", r.Attempt, r.Request.RequestedAt.Format(time.RFC3339), r.Request.Reason)
	for _, f := range [][2]string{{"message", r.Message}, {"error", r.Error}, {"fingerprint", r.Fingerprint}, {"log", r.LogPath}} {
		if f[1] != "" {
			fmt.Fprintf(w, "%-12s %s\n", f[0]+":", f[1])
		}
	}
	var arts []builder.Artifact
	if len(r.Artifacts) > 0 && json.Unmarshal(r.Artifacts, &arts) == nil {
		for _, a := range arts {
			fmt.Fprintf(w, "artifact:    %s name=%q source=%s image=%s\n", a.Key, a.Name, a.SourceImageID, a.ImageID)
		}
	}
	for _, t := range r.Timings {
		end := "running"
		if !t.End.IsZero() {
			end = t.End.Sub(t.Start).Round(time.Millisecond).String()
		}
		fmt.Fprintf(w, "stage time:  %-10s %s  %s\n", t.Stage, t.Start.Local().Format(time.DateTime), end)
	}
	for _, e := range journal {
		fmt.Fprintf(w, "journal:     %s  %-12s %-8s %s\n", e.At.Local().Format("2006-01-02 15:04:05.000"), e.State, e.Stage, e.Message)
	}
}

// tail returns the last n lines of a file (reading at most the last 256 KiB).
func tail(path string, n int) string {
	if _, err := os.Stat(path); err != nil {
		return fmt.Sprintf("(cannot read the log: %v)\n", err)
	}
	var b strings.Builder
	for _, l := range fsutil.Tail(path, n, maxTailLine) {
		b.WriteString("  " + l + "\n")
	}
	return b.String()
}

// maxTailLine is the longest log line show prints whole; longer ones are cut, as on the status page.
const maxTailLine = 64 << 10
