package main

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/packuilon/packuilon/internal/state"
)

func init() {
	register("status", "list builds from the build store (works while the builder runs)", runStatus)
}

func runStatus(ctx context.Context, env *cmdEnv, args []string) int {
	fs, path := newFlags(env, "status")
	asJSON := fs.Bool("json", false, "print JSON")
	key := fs.String("key", "", "only builds of this image key")
	st := fs.String("state", "", "only builds in this state")
	limit := fs.Int("limit", 50, "at most this many builds, newest first")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *st != "" && !state.ValidState(*st) {
		fmt.Fprintf(env.stderr, "packuilon status: unknown state %q\n", *st)
		return 2
	}
	store, ok := openStore(env, *path)
	if !ok {
		return 1
	}
	defer store.Close()
	recs, err := store.List(ctx, state.Filter{ImageKey: *key, State: state.State(*st), Limit: *limit})
	if err != nil {
		fmt.Fprintf(env.stderr, "packuilon status: %v\n", err)
		return 1
	}
	if *asJSON {
		if recs == nil {
			recs = []state.Record{}
		}
		printJSON(env.stdout, recs)
		return 0
	}
	w := tabwriter.NewWriter(env.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "BUILD\tIMAGE KEY\tSTATE\tSTAGE\tATTEMPT\tUPDATED\tMESSAGE")
	for _, r := range recs {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%d\t%s\t%s\n", r.ID, r.ImageKey, r.State, r.Stage, r.Attempt,
			r.UpdatedAt.Local().Format(time.DateTime), oneLine(r.Message, 80))
	}
	w.Flush()
	return 0
}

// openStore opens the build store the configuration names.
func openStore(env *cmdEnv, path string) (*state.Store, bool) {
	cfg, _, ok := setup(env, path)
	if !ok {
		return nil, false
	}
	st, err := state.Open(cfg.Builder.StateDB)
	if err != nil {
		fmt.Fprintf(env.stderr, "packuilon: %v\n", err)
		return nil, false
	}
	return st, true
}

func oneLine(s string, max int) string {
	r := []rune(s)
	for i, c := range r {
		if c == '\n' {
			r, s = r[:i], string(r[:i])+" …"
			break
		}
	}
	if len(r) > max {
		return string(r[:max-1]) + "…"
	}
	return s
}
