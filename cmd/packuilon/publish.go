package main

import (
	"context"
	"fmt"

	"github.com/packuilon/packuilon/internal/event"
	"github.com/packuilon/packuilon/profilewatch"
)

func init() {
	register("publish", "publish one build request by hand (replaces packuilon.py)", runPublish)
}

// runPublish is the packuilon.py equivalent, with its defaults. Everything is validated before
// the broker is contacted, so a typo never reaches the queue.
func runPublish(ctx context.Context, env *cmdEnv, args []string) int {
	fs, path := newFlags(env, "publish")
	flags := addSpecFlags(fs)
	imageKey := fs.String("image-key", "", "image key (default <personality>-<os><os-version>)")
	force := fs.Bool("force", false, "build even if the image is up to date")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	spec, err := flags.spec()
	if err == nil && fs.NArg() > 0 {
		err = fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if err != nil {
		fmt.Fprintf(env.stderr, "packuilon publish: %v\n", err)
		return 2
	}
	req := event.NewRequest(spec, event.ReasonManual)
	req.Force = *force
	if *imageKey != "" {
		req.ImageKey = *imageKey
	}
	if err := req.Validate(); err != nil {
		fmt.Fprintf(env.stderr, "packuilon publish: %v\n", err)
		return 2
	}
	cfg, log, ok := setup(env, *path)
	if !ok {
		return 1
	}
	if err := profilewatch.Publish(ctx, cfg.Global, []event.BuildRequest{req}, log.Named("publish"), nil); err != nil {
		fmt.Fprintf(env.stderr, "packuilon publish: %v\n", err)
		return 1
	}
	fmt.Fprintf(env.stdout, "published to %s:\n", cfg.Global.Queue)
	printJSON(env.stdout, req)
	return 0
}
