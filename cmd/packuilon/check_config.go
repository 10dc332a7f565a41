package main

import (
	"context"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/logging"
	"github.com/packuilon/packuilon/internal/preflight"
)

func init() { register(newCheckConfigCmd) }

func newCheckConfigCmd(env *cmdEnv) *cobra.Command {
	var online bool
	cmd := &cobra.Command{
		Use:   "check-config",
		Short: "validate the configuration; print every problem with file and key",
		Long: `Validate the configuration and the files it names (maps, templates, auth files); print
every problem at once, one per line with file, section and key. Keys of the old scripts that
packuilon does not use, and promotion that is off for want of credentials, are printed as
"note:" lines on stdout (they are not problems). Read-only: writes nothing.

With --online it then tries the real things, one line each on stdout (OK, FAIL with the reason,
or SKIP when a check does not apply): the broker login and the queue, Keystone and Glance with
each auth file, the source images of IMAGES_CONFIG, PACKER_PATH and RALLY_PATH, and Rally's
deployment. Nothing is created or changed.` +
			exitStatus("0  no problem (and, with --online, no FAIL)", "1  at least one problem or FAIL (each on stderr or stdout)", exitUsage),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return exit(runCheckConfig(cmd.Context(), env, online)) },
	}
	cmd.Flags().BoolVar(&online, "online", false, "also try the broker, Keystone, Glance, the source images, packer and rally")
	return cmd
}

func runCheckConfig(ctx context.Context, env *cmdEnv, online bool) int {
	path := env.config
	cfg, ps := config.CheckFile(path)
	if cfg != nil {
		// Not problems: old keys that take no effect, promotion that will not happen.
		for _, n := range cfg.Notices {
			fmt.Fprintf(env.stdout, "note: %s\n", n)
		}
	}
	code := 0
	if len(ps) > 0 {
		for _, p := range ps {
			fmt.Fprintln(env.stderr, p.Error())
		}
		fmt.Fprintf(env.stderr, "%d problem(s) in %s\n", len(ps), path)
		code = 1
	} else {
		fmt.Fprintf(env.stdout, "%s: ok\n", path)
	}
	if online && cfg != nil {
		failed := 0
		// Retries of a slow Keystone are logged to stderr as the read-only commands log, so
		// stdout keeps one line per check.
		g := cfg.Global
		// Its lines name auth files, whose paths may hold a %(name)s reference: shown as written.
		log, err := logging.New(logging.Options{Target: "stderr", Level: g.LogLevel, Format: g.LogFormat,
			Output: config.AsWrittenWriter(env.stderr)})
		if err != nil {
			fmt.Fprintf(env.stderr, "packuilon check-config: %v\n", err)
			return 1
		}
		for _, r := range preflight.Run(ctx, cfg, os.Getenv, log) {
			fmt.Fprintln(env.stdout, r)
			if !r.OK && !r.Skipped {
				failed++
			}
		}
		if failed > 0 {
			fmt.Fprintf(env.stderr, "%d online check(s) failed\n", failed)
			code = 1
		}
	}
	return code
}
