package main

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/spf13/cobra"

	"github.com/packuilon/packuilon/internal/startup"
	"github.com/packuilon/packuilon/internal/version"
)

// commands holds every subcommand's constructor; each subcommand's file registers its own in init.
var commands []func(env *cmdEnv) *cobra.Command

func register(newCmd func(env *cmdEnv) *cobra.Command) { commands = append(commands, newCmd) }

// newRoot builds the whole command tree for one execution.
func newRoot(env *cmdEnv) *cobra.Command {
	root := &cobra.Command{
		Use:   "packuilon",
		Short: "image factory for OpenStack clouds managed by Quattor/Aquilon",
		Long: `packuilon watches Aquilon's profiles, queues build requests, builds images with Packer,
smoke tests them with Rally and promotes them in Glance.` + exitStatus(exitOK, exitFailed, exitUsage),
		Version:       version.String(),
		SilenceErrors: true,
		SilenceUsage:  true,
		// A typo in a command name gets "did you mean"; two edits away is still a suggestion.
		SuggestionsMinimumDistance: 2,
	}
	root.SetOut(env.stdout)
	root.SetErr(env.stderr)
	root.SetVersionTemplate("packuilon {{.Version}}\n")
	root.PersistentFlags().StringVarP(&env.config, "config", "c", startup.DefaultConfig, "configuration file")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return &exitError{code: 2, err: err, usage: true}
	})
	cmds := make([]*cobra.Command, 0, len(commands))
	for _, newCmd := range commands {
		cmds = append(cmds, newCmd(env))
	}
	sort.Slice(cmds, func(i, j int) bool { return cmds[i].Name() < cmds[j].Name() })
	root.AddCommand(cmds...)
	return root
}

// execute runs one command line and returns its exit status: the command's own, 2 for a usage
// error (unknown command or flag, wrong arguments) with a pointer to the help.
func execute(ctx context.Context, env *cmdEnv, args []string) int {
	root := newRoot(env)
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return 0
	}
	if cmd == nil {
		cmd = root
	}
	var ee *exitError
	if !errors.As(err, &ee) { // cobra's own: unknown command, wrong number of arguments
		ee = &exitError{code: 2, err: err, usage: true}
	}
	if ee.err != nil {
		fmt.Fprintf(env.stderr, "%s: %v\n", cmd.CommandPath(), ee.err)
	}
	if ee.usage {
		fmt.Fprintf(env.stderr, "Run '%s --help' for usage.\n", cmd.CommandPath())
	}
	return ee.code
}
