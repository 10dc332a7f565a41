package main

import (
	"context"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/packuilon/packuilon/builder"
	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/event"
	"github.com/packuilon/packuilon/internal/state"
)

func init() { register(newBuildCmd) }

func newBuildCmd(env *cmdEnv) *cobra.Command {
	var force, asJSON bool
	var flags *specFlags
	cmd := &cobra.Command{
		Use:   "build [<request-or-profile.json> | --personality NAME [publish flags]]",
		Short: "build one image now, in this process, without the queue",
		Long: `Build one image now, in this process, without the queue: from a build request or
profile JSON file, or from the flags of publish. The build is recorded in the build store.` +
			exitStatus(exitOK+" (built, or skipped as up to date)", "1  the build failed or could not start", exitUsage),
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return exit(runBuild(cmd.Context(), env, flags, args, force, asJSON))
		},
	}
	flags = addSpecFlags(cmd.Flags())
	cmd.Flags().BoolVar(&force, "force", false, "build even if the inputs equal the current image's")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the build record as JSON")
	return cmd
}

// runBuild takes a request or profile JSON file, or the flags of publish.
func runBuild(ctx context.Context, env *cmdEnv, flags *specFlags, args []string, force, asJSON bool) int {
	cfg, log, ok := setup(env, asCommand)
	if !ok {
		return 1
	}
	var req event.BuildRequest
	var err error
	switch {
	case len(args) == 1 && !flags.given():
		req, err = requestFromFile(cfg, args[0])
	case len(args) == 0 && flags.given():
		req, err = flags.request(cfg, "")
	default:
		err = fmt.Errorf("give one request or profile file, or --personality and the other publish flags")
	}
	if err != nil {
		fmt.Fprintf(env.stderr, "packuilon build: %v\n", err)
		return 2
	}
	req.Force = req.Force || force
	rec, err := builder.BuildOnce(ctx, builder.Options{Config: cfg, Log: log}, req)
	if err != nil {
		fmt.Fprintf(env.stderr, "packuilon build: %v\n", err)
		return 1
	}
	if asJSON {
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
// packuilon.py's skeleton) from a file, exactly as the builder decodes queue messages: with the
// configuration's IGNORE_PATHS for the digest and its IMAGE_KEY format for the key.
func requestFromFile(cfg *config.Config, path string) (event.BuildRequest, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return event.BuildRequest{}, err
	}
	req, _, err := decoder(cfg).Decode(data)
	if err != nil {
		return event.BuildRequest{}, fmt.Errorf("%s: %w", path, err)
	}
	return req, nil
}

// decoder decodes message bodies as the builder daemon does with this configuration.
func decoder(cfg *config.Config) event.Decoder {
	return event.Decoder{IgnorePaths: cfg.Watch.IgnorePaths, Naming: cfg.Builder.Naming}
}
