package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/packuilon/packuilon/builder"
	"github.com/packuilon/packuilon/internal/startup"
)

func init() { register(newBuilderCmd) }

func newBuilderCmd(env *cmdEnv) *cobra.Command {
	return &cobra.Command{
		Use:   "builder",
		Short: "run the builder daemon (replaces rabbit2packer): queue → build store → packer",
		Long: `Run the builder daemon (replaces rabbit2packer): take build requests from the queue,
record them in the build store and build images with packer. SIGHUP reloads the configuration;
SIGTERM stops it (running builds resume at their stage on the next start).` +
			exitStatus("0  stopped by SIGTERM or SIGINT", "1  the configuration is not usable, or the daemon failed", exitUsage),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, log, ok := setup(env, asBuilder)
			if !ok {
				return exit(1)
			}
			startup.LogNotices(cfg, log, true)
			if err := builder.Run(cmd.Context(), builder.Options{Config: cfg, Log: log, Reload: env.reload, Reloaded: reloadVerdicts(log)}); err != nil {
				fmt.Fprintf(env.stderr, "packuilon builder: %v\n", err)
				return exit(1)
			}
			return nil
		},
	}
}
