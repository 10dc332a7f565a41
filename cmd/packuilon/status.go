package main

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/packuilon/packuilon/internal/state"
)

func init() { register(newStatusCmd) }

// statusOptions are status's flags.
type statusOptions struct {
	asJSON     bool
	key, state string
	limit      int
}

func newStatusCmd(env *cmdEnv) *cobra.Command {
	var o statusOptions
	cmd := &cobra.Command{
		Use:   "status",
		Short: "list builds from the build store (works while the builder runs)",
		Long: `List builds from the build store, newest first. Works while the builder runs.
Read-only: never creates or writes the build store.` +
			exitStatus(exitOK, "1  the build store cannot be read", "2  usage error, or an unknown --state"),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return exit(runStatus(cmd.Context(), env, o)) },
	}
	f := cmd.Flags()
	f.BoolVar(&o.asJSON, "json", false, "print JSON")
	f.StringVar(&o.key, "key", "", "only builds of this image key")
	f.StringVar(&o.state, "state", "", "only builds in this state")
	f.IntVar(&o.limit, "limit", 50, "at most this many builds, newest first")
	return cmd
}

func runStatus(ctx context.Context, env *cmdEnv, o statusOptions) int {
	if o.state != "" && !state.ValidState(o.state) {
		fmt.Fprintf(env.stderr, "packuilon status: unknown state %q\n", o.state)
		return 2
	}
	store, ok := openStore(env, true)
	if !ok {
		return 1
	}
	defer store.Close()
	recs, err := store.List(ctx, state.Filter{ImageKey: o.key, State: state.State(o.state), Limit: o.limit})
	if err != nil {
		fmt.Fprintf(env.stderr, "packuilon status: %v\n", err)
		return 1
	}
	if o.asJSON {
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

// openStore opens the build store the configuration names. A read-only command opens it
// read-only: it never creates the file or its directory, and never changes the schema.
func openStore(env *cmdEnv, ro bool) (*state.Store, bool) {
	as := asCommand
	if ro {
		as = readOnly
	}
	cfg, _, ok := setup(env, as)
	if !ok {
		return nil, false
	}
	st, err := buildStore(cfg, ro)
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
