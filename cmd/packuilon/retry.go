package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/packuilon/packuilon/internal/state"
)

func init() {
	register("retry", "resume a failed build at the stage it failed in (the builder picks it up)", runRetry)
}

func runRetry(ctx context.Context, env *cmdEnv, args []string) int {
	fs, path := newFlags(env, "retry")
	store, id, code := buildArg(env, fs, path, args)
	if store == nil {
		return code
	}
	defer store.Close()
	rec, err := store.Retry(ctx, id)
	if err != nil {
		fmt.Fprintf(env.stderr, "packuilon retry: %v\n", err)
		if errors.Is(err, state.ErrNotFound) || errors.Is(err, state.ErrNotRetryable) {
			return 2
		}
		return 1
	}
	fmt.Fprintf(env.stdout, "build %s (%s) queued again; it resumes at stage %s\n", rec.ID, rec.ImageKey, rec.Stage)
	return 0
}
