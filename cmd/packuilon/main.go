// Command packuilon is the image factory for OpenStack clouds managed by Quattor/Aquilon.
// Every subcommand lives in its own file and registers itself in commands.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"
)

// command is one subcommand.
type command struct {
	summary string
	run     func(ctx context.Context, env *cmdEnv, args []string) int
}

// commands is filled by each subcommand's file in its init.
var commands = map[string]command{}

func register(name, summary string, run func(ctx context.Context, env *cmdEnv, args []string) int) {
	commands[name] = command{summary: summary, run: run}
}

// cmdEnv is what main hands to a subcommand: its output streams and the reload signal.
type cmdEnv struct {
	stdout, stderr io.Writer
	// reload receives a value on SIGHUP.
	reload <-chan struct{}
}

func main() { os.Exit(run(os.Args[1:])) }

// run turns SIGINT/SIGTERM into a cancelled context and SIGHUP into a reload, then dispatches.
// Nothing below cmd/ handles signals or exits, so every daemon can run inside a test.
func run(args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(os.Stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(os.Stderr, "packuilon: unknown command %q\n\n", args[0])
		usage(os.Stderr)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	reload := make(chan struct{}, 1)
	go func() {
		for range hup {
			select {
			case reload <- struct{}{}:
			default: // a reload is already pending
			}
		}
	}()
	return cmd.run(ctx, &cmdEnv{stdout: os.Stdout, stderr: os.Stderr, reload: reload}, args[1:])
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: packuilon <command> [--config PATH] [flags]")
	fmt.Fprintln(w, "\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-13s %s\n", n, commands[n].summary)
	}
}

// newFlags returns a flag set for a subcommand with the --config flag every subcommand takes.
func newFlags(env *cmdEnv, name string) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet("packuilon "+name, flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	cfg := fs.String("config", "/etc/packer-utils/config.ini", "configuration file")
	return fs, cfg
}
