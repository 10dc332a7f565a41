package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/rally"
)

func init() { register(newSmokeCmd) }

// Exit statuses of smoke: passed, rejected, usage, and a test that could not judge the image.
const (
	smokePassed   = 0
	smokeRejected = 1
	smokeUsage    = 2
	smokeInfra    = 3
)

func newSmokeCmd(env *cmdEnv) *cobra.Command {
	var image, key, method string
	var wait time.Duration
	cmd := &cobra.Command{
		Use:   "smoke --image ID [--key KEY] [--method rally|boot]",
		Short: "smoke test an image by hand with the configured test ([smoke] METHOD); print the verdict",
		Long: `Smoke test an image by hand with the configured test ([smoke] METHOD, or --method) and
print the verdict and the report's path.` + exitStatus("0  PASSED", "1  REJECTED: the image failed the test",
			"2  usage error, or no smoke test configured", "3  the test could not judge the image (infrastructure), or with --key the claim on the key was lost", exitClaimed+" (with --key)"),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if image == "" {
				return usageError("--image must not be empty")
			}
			return exit(runSmoke(cmd.Context(), env, image, key, method, wait))
		},
	}
	cmd.Flags().StringVar(&image, "image", "", "Glance id of the image to test (required; never a name)")
	cmd.Flags().StringVar(&key, "key", "", "image key, to choose its Rally task from [rally-tasks] (default: DEFAULT)")
	cmd.Flags().StringVar(&method, "method", "", "override [smoke] METHOD: rally or boot")
	waitFlag(cmd.Flags(), &wait)
	cmd.MarkFlagRequired("image")
	return cmd
}

func runSmoke(ctx context.Context, env *cmdEnv, image, key, method string, wait time.Duration) int {
	cfg, log, ok := setup(env, asCommand)
	if !ok {
		return smokeUsage
	}
	if method != "" {
		cfg.Smoke.Method = method
	}
	if cfg.Smoke.Method != config.SmokeRally && cfg.Smoke.Method != config.SmokeBoot {
		fmt.Fprintf(env.stderr, "packuilon smoke: no smoke test configured ([smoke] METHOD = %s); use --method rally or boot\n", cfg.Smoke.Method)
		return smokeUsage
	}
	dir := rally.ReportDir(cfg)
	if dir == "" {
		fmt.Fprintln(env.stderr, "packuilon smoke: no directory for the report: set [rally-image-testing] LOG_DIR or [rabbit2packer] LOG_DIR")
		return smokeUsage
	}
	tester, err := rally.Open(ctx, cfg, os.Getenv, log)
	if err != nil {
		fmt.Fprintf(env.stderr, "packuilon smoke: %v\n", err)
		return smokeInfra
	}
	// The boot test reaps servers of interrupted tests: the build store says which builds of
	// the daemon still run, so their servers are left alone. No store: no daemon ever ran.
	if bt, ok := tester.(*rally.BootTest); ok {
		if st, err := buildStore(cfg, true); err == nil {
			defer st.Close()
			bt.Builds = st.BuildRunning
		}
	}
	if key == "" {
		return smokeImage(ctx, env, tester, image, key, dir)
	}
	// With a key, the test holds the key's claim, as a build of the key does while it tests.
	// A lost claim: the test could not judge the image (1 would read as rejected).
	return withClaim(ctx, env, cfg, "smoke", key, wait, smokeInfra, func(ctx context.Context) int {
		return smokeImage(ctx, env, tester, image, key, dir)
	})
}

func smokeImage(ctx context.Context, env *cmdEnv, tester rally.Tester, image, key, dir string) int {
	id := "manual-" + time.Now().UTC().Format("20060102-150405")
	report := filepath.Join(dir, id+".smoke.json")
	v, err := tester.Test(ctx, rally.Subject{BuildID: id, ImageKey: key, ImageID: image, ReportPath: report, Output: env.stderr})
	switch {
	case err != nil && claimLost(ctx): // withClaim says so
		return smokeInfra
	case err != nil: // wraps rally.ErrInfrastructure: the image is not at fault
		fmt.Fprintf(env.stderr, "packuilon smoke: the test could not judge image %s: %v\n", image, err)
		return smokeInfra
	case !v.Passed:
		fmt.Fprintf(env.stdout, "REJECTED %s: %s\nreport: %s\n", image, v, report)
		return smokeRejected
	}
	fmt.Fprintf(env.stdout, "PASSED %s: %s\nreport: %s\n", image, v, report)
	return smokePassed
}
