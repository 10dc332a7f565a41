package oneshot

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/pflag"

	"github.com/packuilon/packuilon/internal/startup"
	"github.com/packuilon/packuilon/internal/version"
)

// Name is the one-shot binary's name: cdp-listend's nch runs /usr/bin/packuilon-watch-once
// without arguments, as it ran cdb2rabbit.
const Name = "packuilon-watch-once"

// The one-shot binary's help, also its man page (packuilon man).
const (
	// Usage is its synopsis.
	Usage = Name + " [--config PATH] [--publish-all]"
	// Short is its one-line summary.
	Short = "scan Aquilon's profiles once: packuilon watch --once as a small, fast-starting binary"
	// Description is what it does.
	Description = `Scan Aquilon's profiles once and publish a build request for each changed one: exactly
'packuilon watch --once' (same output, logs and exit status), in a small binary that starts in
about half the time, for cron, packuilon-watch-once.timer and cdp-listend's nch (which runs it
without arguments, so with the default configuration).`
	// ExitStatus is its "Exit status" section.
	ExitStatus = `Exit status:
  0  the scan completed
  1  the scan failed, or was stopped with candidates left for the next scan (one line on stderr,
     and in syslog when LOG_TARGET = syslog)
  2  usage error: unknown flag, arguments`
)

// cliArgs is what the command line sets.
type cliArgs struct {
	o                   Options
	help, version, once bool
}

// flags is the command line's flag set, bound to a.
func (a *cliArgs) flags() *pflag.FlagSet {
	fs := pflag.NewFlagSet(Name, pflag.ContinueOnError)
	fs.SetOutput(io.Discard) // Main prints the errors, once
	fs.StringVarP(&a.o.Config, "config", "c", startup.DefaultConfig, "configuration file")
	fs.BoolVar(&a.o.PublishAll, "publish-all", false, "publish every matching profile, changed or not (also on the first run)")
	fs.BoolVarP(&a.help, "help", "h", false, "print this help")
	fs.BoolVarP(&a.version, "version", "v", false, "print the version (as packuilon --version does)")
	// --once is what this binary always does; accepted so that `packuilon watch --once`'s
	// command line works unchanged here (--once=false is a usage error).
	fs.BoolVar(&a.once, "once", true, "scan once (always)")
	_ = fs.MarkHidden("once")
	return fs
}

// Flags is the one-shot binary's flag set, for its man page.
func Flags() *pflag.FlagSet { return new(cliArgs).flags() }

// Main is the command line of packuilon-watch-once (args without the program name): --help and
// --version print to stdout and return 0, a usage error prints the reason and a pointer to the
// help and returns 2; otherwise it runs the scan (Run).
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var a cliArgs
	fs := a.flags()
	err := fs.Parse(args)
	switch {
	case err != nil:
	case fs.NArg() > 0:
		err = fmt.Errorf("unexpected argument %q (%s takes only flags)", fs.Arg(0), Name)
	case !a.once: // packuilon watch --once=false is the daemon, which this binary is not
		err = fmt.Errorf("--once=false: %s always scans once (the daemon is packuilon watch)", Name)
	}
	switch {
	case err != nil:
		fmt.Fprintf(stderr, "%s: %v\nRun '%s --help' for usage.\n", Name, err, Name)
		return 2
	case a.help:
		fmt.Fprintf(stdout, "Usage: %s\n\n%s\n\nFlags:\n%s\n%s\n", Usage, Description, fs.FlagUsages(), ExitStatus)
		return 0
	case a.version:
		fmt.Fprintln(stdout, "packuilon", version.String())
		return 0
	}
	a.o.Stdout, a.o.Stderr = stdout, stderr
	return Run(ctx, a.o)
}
