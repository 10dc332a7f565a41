package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/packuilon/packuilon/internal/state"
)

func init() { register(newRetryCmd) }

func newRetryCmd(env *cmdEnv) *cobra.Command {
	return &cobra.Command{
		Use:   "retry <build-id>",
		Short: "resume a failed build at the stage it failed in (the builder picks it up)",
		Long: `Queue a failed build again in the build store; the running builder resumes it at the
stage it failed in.` + exitStatus("0  queued again", "1  the build store cannot be opened", "2  usage error, no such build, the build is not failed, or a newer build of its key went further"),
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			store, ok := openStore(env, false)
			if !ok {
				return exit(1)
			}
			defer store.Close()
			rec, err := store.Retry(cmd.Context(), args[0])
			if err != nil {
				return storeError(env, "retry", err, state.ErrNotRetryable, state.ErrNewerBuild)
			}
			fmt.Fprintf(env.stdout, "build %s (%s) queued again; it resumes at stage %s\n", rec.ID, rec.ImageKey, rec.Stage)
			return nil
		},
	}
}
