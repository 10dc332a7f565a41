package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/spf13/cobra"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/glance"
)

func init() { register(newPromoteCmd) }

func newPromoteCmd(env *cmdEnv) *cobra.Command {
	var c glance.Candidate
	var wait time.Duration
	cmd := &cobra.Command{
		Use:   "promote --image ID --key KEY",
		Short: "make an image the current one of its key in Glance (replaces rename-old-images.sh)",
		Long: `Make a candidate image the current one of its key in Glance: the current image is
warehoused, members and properties carried over, retention applied (replaces rename-old-images.sh).` +
			exitStatus(exitOK, "1  Glance refused or could not be reached, or the claim on the key was lost (another process took it over)", exitUsage, exitClaimed),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if c.ImageID == "" || c.Key == "" {
				return usageError("--image and --key must not be empty")
			}
			return exit(runGlance(cmd.Context(), env, "promote", c.Key, wait, func(ctx context.Context, cfg *config.Config, store *glance.GlanceStore) (*glance.Result, error) {
				res, err := store.Promote(ctx, c)
				if err != nil || !cfg.Promote.SourceChaining {
					return res, err
				}
				// The image is promoted: a chaining error is reported with the work after the
				// swap, not as a failed promotion; the next promotion chains from both images.
				for _, from := range res.ChainFrom {
					if _, err := glance.ChainSourceImages(cfg.Builder.ImagesConfig, from, c.ImageID); err != nil {
						res.Deferred = append(res.Deferred, "source chaining: "+err.Error())
						break
					}
				}
				return res, nil
			}))
		},
	}
	f := cmd.Flags()
	f.StringVar(&c.ImageID, "image", "", "id of the candidate image (required)")
	f.StringVar(&c.Key, "key", "", "packuilon_key of the image, e.g. sl7-aquilon.managed (required)")
	f.StringVar(&c.Name, "name", "", "canonical name (default: the candidate's packuilon_name, else its name)")
	f.StringVar(&c.BuildID, "build-id", "", "build id to record on the image (packuilon_build_id)")
	f.StringVar(&c.ParentID, "parent", "", "source image id to record (packuilon_parent)")
	waitFlag(f, &wait)
	cmd.MarkFlagRequired("image")
	cmd.MarkFlagRequired("key")
	return cmd
}

// glanceFunc is the work of promote or rollback in Glance, under the claim on the key (ctx ends
// when the claim is lost).
type glanceFunc func(ctx context.Context, cfg *config.Config, store *glance.GlanceStore) (*glance.Result, error)

// runGlance loads the config, takes the claim on key (see withClaim), connects to Glance with
// its [promote] credentials, runs op and prints its result under the current image's name. It
// returns the exit code.
func runGlance(ctx context.Context, env *cmdEnv, cmd, key string, wait time.Duration, op glanceFunc) int {
	cfg, log, ok := setup(env, asCommand)
	if !ok {
		return 1
	}
	return withClaim(ctx, env, cfg, cmd, key, wait, 1, func(ctx context.Context) int { return glanceOp(ctx, env, cmd, cfg, log, op) })
}

func glanceOp(ctx context.Context, env *cmdEnv, cmd string, cfg *config.Config, log hclog.Logger, op glanceFunc) int {
	store, err := glance.Open(ctx, cfg.Promote, os.Getenv, log)
	var res *glance.Result
	if err == nil {
		res, err = op(ctx, cfg, store)
	}
	if err != nil {
		if !claimLost(ctx) { // else withClaim says so
			fmt.Fprintf(env.stderr, "packuilon %s: %v\n", cmd, err)
		}
		return 1
	}
	name := res.CurrentID
	if cur, err := store.Get(ctx, res.CurrentID); err == nil {
		name = cur.Name
	}
	printResult(env, name, res)
	return 0
}

func printResult(env *cmdEnv, name string, res *glance.Result) {
	fmt.Fprintf(env.stdout, "current:    %s (%s)\n", res.CurrentID, name)
	if res.WarehousedID != "" {
		fmt.Fprintf(env.stdout, "warehoused: %s\n", res.WarehousedID)
	}
	fmt.Fprintf(env.stdout, "members:    %d\n", res.Members)
	if len(res.SkippedProperties) > 0 {
		fmt.Fprintf(env.stdout, "skipped (refused by glance): %s\n", strings.Join(res.SkippedProperties, ", "))
	}
	if len(res.Deleted) > 0 {
		fmt.Fprintf(env.stdout, "retention deleted: %s\n", strings.Join(res.Deleted, ", "))
	}
	if len(res.Deactivated) > 0 {
		fmt.Fprintf(env.stdout, "retention deactivated (no compute endpoint to check for servers): %s\n", strings.Join(res.Deactivated, ", "))
	}
	for _, d := range res.Deferred {
		fmt.Fprintf(env.stdout, "not done after the swap (the next promotion retries it): %s\n", d)
	}
	fmt.Fprintf(env.stdout, "api calls:  %d\n", res.Calls)
}
