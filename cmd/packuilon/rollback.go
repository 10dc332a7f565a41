package main

import (
	"context"
	"time"

	"github.com/spf13/cobra"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/glance"
)

func init() { register(newRollbackCmd) }

func newRollbackCmd(env *cmdEnv) *cobra.Command {
	var key string
	var wait time.Duration
	cmd := &cobra.Command{
		Use:   "rollback --key KEY",
		Short: "make the newest warehoused image of a key current again",
		Long: `Make the newest warehoused image of a key current again in Glance; the current one is
warehoused in its place.` + exitStatus(exitOK, "1  nothing to roll back to, Glance refused or could not be reached, or the claim on the key was lost", exitUsage, exitClaimed),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if key == "" {
				return usageError("--key must not be empty")
			}
			return exit(runGlance(cmd.Context(), env, "rollback", key, wait, func(ctx context.Context, cfg *config.Config, store *glance.GlanceStore) (*glance.Result, error) {
				res, err := store.Rollback(ctx, key)
				if err == nil {
					queueRollback(cmd.Context(), env, cfg, key, res)
				}
				return res, err
			}))
		},
	}
	cmd.Flags().StringVar(&key, "key", "", "packuilon_key of the image (required)")
	waitFlag(cmd.Flags(), &wait)
	cmd.MarkFlagRequired("key")
	return cmd
}
