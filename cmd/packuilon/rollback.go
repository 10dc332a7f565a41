package main

import (
	"context"
	"fmt"
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
	cfg, log, ok := setup(env, *path)
	if !ok {
		return 1
	}
	store, ok := openGlance(ctx, env, cfg, log)
	if !ok {
		return 1
	}
	res, err := store.Rollback(ctx, *key)
	if err != nil {
		fmt.Fprintf(env.stderr, "packuilon rollback: %v\n", err)
		return 1
	}
	cur, err := store.Get(ctx, res.CurrentID)
	name := res.CurrentID
	if err == nil {
		name = cur.Name
	}
	printResult(env, name, res)
	return 0
}
