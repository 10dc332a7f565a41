package main

import (
	"context"
	"fmt"

	"github.com/packuilon/packuilon/internal/config"
)

func init() {
	register("check-config", "validate the configuration; print every problem with file and key", runCheckConfig)
}

func runCheckConfig(_ context.Context, env *cmdEnv, args []string) int {
	fs, path := newFlags(env, "check-config")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	cfg, err := config.Load(*path)
	if err == nil {
		err = config.Check(cfg)
	}
	if err != nil {
		ps := config.AsProblems(err)
		if ps == nil {
			fmt.Fprintln(env.stderr, err)
			return 1
		}
		for _, p := range ps {
			fmt.Fprintln(env.stderr, p.Error())
		}
		fmt.Fprintf(env.stderr, "%d problem(s) in %s\n", len(ps), *path)
		return 1
	}
	fmt.Fprintf(env.stdout, "%s: ok\n", *path)
	return 0
}
