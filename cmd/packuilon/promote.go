package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/glance"
)

func init() {
	register("promote", "make an image the current one of its key in Glance (replaces rename-old-images.sh)", runPromote)
}

func runPromote(ctx context.Context, env *cmdEnv, args []string) int {
	fs, path := newFlags(env, "promote")
	image := fs.String("image", "", "id of the candidate image (required)")
	key := fs.String("key", "", "packuilon_key of the image, e.g. sl7-aquilon.managed (required)")
	name := fs.String("name", "", "canonical name (default: the candidate's packuilon_name, else its name)")
	buildID := fs.String("build-id", "", "build id to record on the image (packuilon_build_id)")
	parent := fs.String("parent", "", "source image id to record (packuilon_parent)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *image == "" || *key == "" || fs.NArg() != 0 {
		fmt.Fprintln(env.stderr, "usage: packuilon promote --config PATH --image <id> --key <key> [--name <canonical name>]")
		return 2
	}
	return runGlance(ctx, env, "promote", *path, func(cfg *config.Config, store *glance.GlanceStore) (*glance.Result, error) {
		c := glance.Candidate{ImageID: *image, Key: *key, Name: *name, BuildID: *buildID, ParentID: *parent}
		res, err := store.Promote(ctx, c)
		if err != nil || !cfg.Promote.SourceChaining || res.WarehousedID == "" {
			return res, err
		}
		if _, err := glance.ChainSourceImages(cfg.Builder.ImagesConfig, res.WarehousedID, c.ImageID); err != nil {
			return nil, fmt.Errorf("promoted, but %w", err)
		}
		return res, nil
	})
}

// runGlance loads the config at path, connects to Glance with its [promote] credentials, runs
// op and prints its result under the current image's name. It returns the exit code.
func runGlance(ctx context.Context, env *cmdEnv, cmd, path string, op func(*config.Config, *glance.GlanceStore) (*glance.Result, error)) int {
	cfg, log, ok := setup(env, path)
	if !ok {
		return 1
	}
	store, err := glance.Open(ctx, cfg.Promote, os.Getenv, log)
	if err != nil {
		fmt.Fprintf(env.stderr, "packuilon %s: %v\n", cmd, err)
		return 1
	}
	res, err := op(cfg, store)
	if err != nil {
		fmt.Fprintf(env.stderr, "packuilon %s: %v\n", cmd, err)
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
	fmt.Fprintf(env.stdout, "api calls:  %d\n", res.Calls)
}
