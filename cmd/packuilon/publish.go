package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/packuilon/packuilon/internal/event"
	"github.com/packuilon/packuilon/profilewatch"
)

func init() { register(newPublishCmd) }

func newPublishCmd(env *cmdEnv) *cobra.Command {
	var imageKey string
	var force bool
	var flags *specFlags
	cmd := &cobra.Command{
		Use:   "publish --personality NAME [flags]",
		Short: "publish one build request by hand (replaces packuilon.py)",
		Long: `Publish one build request by hand (replaces packuilon.py), with its defaults. Everything
is validated before the broker is contacted, so a typo never reaches the queue.` +
			exitStatus("0  published (the broker confirmed it)", "1  the broker could not be reached or refused the request", "2  usage error, or an invalid request"),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return exit(runPublish(cmd.Context(), env, flags, imageKey, force))
		},
	}
	flags = addSpecFlags(cmd.Flags())
	cmd.Flags().StringVar(&imageKey, "image-key", "", "image key (default: the [rabbit2packer] IMAGE_KEY format, <personality>-<os><os-version> unless set)")
	cmd.Flags().BoolVar(&force, "force", false, "build even if the image is up to date")
	return cmd
}

// runPublish is the packuilon.py equivalent, with its defaults.
func runPublish(ctx context.Context, env *cmdEnv, flags *specFlags, imageKey string, force bool) int {
	cfg, log, ok := setup(env, asCommand)
	if !ok {
		return 1
	}
	req, err := flags.request(cfg, imageKey)
	if err != nil {
		fmt.Fprintf(env.stderr, "packuilon publish: %v\n", err)
		return 2
	}
	req.Force = force
	if err := profilewatch.Publish(ctx, cfg.Global, []event.BuildRequest{req}, log.Named("publish"), nil); err != nil {
		fmt.Fprintf(env.stderr, "packuilon publish: %v\n", err)
		return 1
	}
	fmt.Fprintf(env.stdout, "published to %s:\n", cfg.Global.Queue)
	printJSON(env.stdout, req)
	return 0
}
