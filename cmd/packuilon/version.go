package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/packuilon/packuilon/internal/version"
)

func init() { register(newVersionCmd) }

func newVersionCmd(env *cmdEnv) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "print the version (as --version does)",
		Long:  "Print the version stamped at build time (git describe)." + exitStatus(exitOK, exitUsage),
		Args:  cobra.NoArgs,
		Run:   func(*cobra.Command, []string) { fmt.Fprintln(env.stdout, "packuilon", version.String()) },
	}
}
