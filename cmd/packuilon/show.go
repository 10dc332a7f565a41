package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/packuilon/packuilon/internal/state"
)

func init() { register(newShowCmd) }

func newShowCmd(env *cmdEnv) *cobra.Command {
	var asJSON bool
	var lines int
	cmd := &cobra.Command{
		Use:   "show <build-id>",
		Short: "show one build: record, journal and the tail of its log",
		Long: `Show one build from the build store: its record, its journal and the last lines of its
log. Read-only: never creates or writes the build store.` +
			exitStatus(exitOK, "1  the build store cannot be read", "2  usage error, or no such build"),
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return exit(runShow(cmd.Context(), env, args[0], asJSON, lines))
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON (record, journal and notifications)")
	cmd.Flags().IntVar(&lines, "lines", 20, "lines of the log to show")
	return cmd
}

func runShow(ctx context.Context, env *cmdEnv, id string, asJSON bool, lines int) int {
	store, ok := openStore(env, true)
	if !ok {
		return 1
	}
	defer store.Close()
	rec, err := store.Get(ctx, id)
	var journal []state.Entry
	if err == nil {
		journal, err = store.Journal(ctx, rec.ID)
	}
	if err != nil {
		fmt.Fprintf(env.stderr, "packuilon show: %v\n", err)
		if errors.Is(err, state.ErrNotFound) {
			return 2
		}
		return 1
	}
	notes, _ := store.Notifications(ctx, rec.ID)
	if asJSON {
		printJSON(env.stdout, map[string]any{"build": rec, "journal": journal, "notifications": notes})
		return 0
	}
	printRecord(env.stdout, rec, journal)
	printNotifications(env.stdout, notes)
	if rec.LogPath != "" {
		fmt.Fprintf(env.stdout, "\nlast %d lines of %s:\n%s", lines, rec.LogPath, tail(rec.LogPath, lines))
	}
	return 0
}
