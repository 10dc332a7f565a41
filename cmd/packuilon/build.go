package main

import (
	"context"
	"fmt"
	"os"

	"github.com/packuilon/packuilon/builder"
	"github.com/packuilon/packuilon/internal/event"
	"github.com/packuilon/packuilon/internal/state"
)

func init() {
	register("build", "build one image now, in this process, without the queue", runBuild)
}

// runBuild takes a request or profile JSON file, or the flags of publish.
func runBuild(ctx context.Context, env *cmdEnv, args []string) int {
	fs, path := newFlags(env, "build")
	flags := addSpecFlags(fs)
	force := fs.Bool("force", false, "build even if the inputs equal the current image's")
	asJSON := fs.Bool("json", false, "print the build record as JSON")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	var req event.BuildRequest
	var err error
	switch {
	case fs.NArg() == 1 && !flags.given():
		req, err = requestFromFile(fs.Arg(0))
	case fs.NArg() == 0 && flags.given():
		var spec event.Spec
		if spec, err = flags.spec(); err == nil {
			req = event.NewRequest(spec, event.ReasonManual)
		}
	default:
		err = fmt.Errorf("give one request or profile file, or --personality and the other publish flags")
	}
	if err != nil {
		fmt.Fprintf(env.stderr, "packuilon build: %v\n", err)
		return 2
	}
	req.Force = req.Force || *force
	cfg, log, ok := setup(env, *path)
	if !ok {
		return 1
	}
	rec, err := builder.BuildOnce(ctx, builder.Options{Config: cfg, Log: log}, req)
	if err != nil {
		fmt.Fprintf(env.stderr, "packuilon build: %v\n", err)
		return 1
	}
	if *asJSON {
		printJSON(env.stdout, rec)
	} else {
		printRecord(env.stdout, rec, nil)
	}
	if rec.State != state.Succeeded && rec.State != state.Skipped {
		return 1
	}
	return 0
}

// requestFromFile reads a build request (event v1) or an Aquilon profile (whole, or
// packuilon.py's skeleton) from a file, exactly as the builder decodes queue messages.
func requestFromFile(path string) (event.BuildRequest, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return event.BuildRequest{}, err
	}
	req, _, err := event.Decode(data)
	if err != nil {
		return event.BuildRequest{}, fmt.Errorf("%s: %w", path, err)
	}
	return req, nil
}
