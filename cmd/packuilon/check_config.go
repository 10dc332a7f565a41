package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/packuilon/packuilon/internal/config"
)

func init() { register(newCheckConfigCmd) }

func newCheckConfigCmd(env *cmdEnv) *cobra.Command {
	return &cobra.Command{
		Use:   "check-config",
		Short: "validate the configuration; print every problem with file and key",
		Long: `Validate the configuration and the files it names (maps, templates, auth files); print
every problem at once, one per line with file, section and key. Keys of the old scripts that
packuilon does not use, and promotion that is off for want of credentials, are printed as
"note:" lines on stdout (they are not problems). Read-only: writes nothing.` +
			exitStatus("0  no problem", "1  at least one problem (each on stderr)", exitUsage),
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error { return exit(runCheckConfig(env)) },
	}
}

func runCheckConfig(env *cmdEnv) int {
	path := env.config
	cfg, ps := config.CheckFile(path)
	if cfg != nil {
		// Not problems: old keys that take no effect, promotion that will not happen.
		for _, n := range cfg.Notices {
			fmt.Fprintf(env.stdout, "note: %s\n", n)
		}
	}
	if len(ps) > 0 {
		for _, p := range ps {
			fmt.Fprintln(env.stderr, p.Error())
		}
		fmt.Fprintf(env.stderr, "%d problem(s) in %s\n", len(ps), path)
		return 1
	}
	fmt.Fprintf(env.stdout, "%s: ok\n", path)
	return 0
}
