package main

import (
	"context"
	"fmt"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/glance"
)

func init() {
	register("rollback", "make the newest warehoused image of a key current again", runRollback)
}

func runRollback(ctx context.Context, env *cmdEnv, args []string) int {
	fs, path := newFlags(env, "rollback")
	key := fs.String("key", "", "packuilon_key of the image (required)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *key == "" || fs.NArg() != 0 {
		fmt.Fprintln(env.stderr, "usage: packuilon rollback --config PATH --key <key>")
		return 2
	}
	return runGlance(ctx, env, "rollback", *path, func(_ *config.Config, store *glance.GlanceStore) (*glance.Result, error) {
		return store.Rollback(ctx, *key)
	})
}
