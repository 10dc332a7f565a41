package main

import (
	"context"
	"fmt"

	"github.com/packuilon/packuilon/builder"
)

func init() {
	register("builder", "run the builder daemon (replaces rabbit2packer): queue → build store → packer", runBuilder)
}

func runBuilder(ctx context.Context, env *cmdEnv, args []string) int {
	fs, path := newFlags(env, "builder")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	cfg, log, ok := setup(env, *path)
	if !ok {
		return 1
	}
	if err := builder.Run(ctx, builder.Options{Config: cfg, Log: log, Reload: env.reload}); err != nil {
		fmt.Fprintf(env.stderr, "packuilon builder: %v\n", err)
		return 1
	}
	return 0
}
