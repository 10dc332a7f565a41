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

// usageHead and exitStatus frame the flags in --help.
const (
	usageHead = `Usage: ` + Name + ` [--config PATH] [--publish-all]

Scan Aquilon's profiles once and publish a build request for each changed one: exactly
'packuilon watch --once' (same output, logs and exit status), in a small binary that starts in
about half the time, for cron, packuilon-watch-once.timer and cdp-listend's nch (which runs it
without arguments, so with the default configuration).

Flags:
`
	exitStatus = `
Exit status:
  0  the scan completed
  1  the scan failed (one line on stderr, and in syslog when LOG_TARGET = syslog)
  2  usage error: unknown flag, arguments
`
)

// Main is the command line of packuilon-watch-once (args without the program name): --help and
// --version print to stdout and return 0, a usage error prints the reason and a pointer to the
// help and returns 2; otherwise it runs the scan (Run).
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var o Options
	var help, showVersion, once bool
	fs := pflag.NewFlagSet(Name, pflag.ContinueOnError)
	fs.SetOutput(io.Discard) // the errors are printed below, once
	fs.StringVarP(&o.Config, "config", "c", startup.DefaultConfig, "configuration file")
	fs.BoolVar(&o.PublishAll, "publish-all", false, "publish every matching profile, changed or not (also on the first run)")
	fs.BoolVarP(&help, "help", "h", false, "print this help")
	fs.BoolVarP(&showVersion, "version", "v", false, "print the version (as packuilon --version does)")
	// --once is what this binary always does; accepted so that `packuilon watch --once`'s
	// command line works unchanged here.
	fs.BoolVar(&once, "once", true, "scan once (always)")
	_ = fs.MarkHidden("once")
	err := fs.Parse(args)
	if err == nil && fs.NArg() > 0 {
		err = fmt.Errorf("unexpected argument %q (%s takes only flags)", fs.Arg(0), Name)
	}
	switch {
	case err != nil:
		fmt.Fprintf(stderr, "%s: %v\nRun '%s --help' for usage.\n", Name, err, Name)
		return 2
	case help:
		fmt.Fprint(stdout, usageHead+fs.FlagUsages()+exitStatus)
		return 0
	case showVersion:
		fmt.Fprintln(stdout, "packuilon", version.String())
		return 0
	}
	o.Stdout, o.Stderr = stdout, stderr
	return Run(ctx, o)
}
