// Command packuilon is the image factory for OpenStack clouds managed by Quattor/Aquilon.
// Every subcommand lives in its own file and registers its cobra definition in commands; help,
// completion and man pages are all generated from those definitions.
package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/packuilon/packuilon/internal/oneshot"
	"github.com/packuilon/packuilon/internal/state"
)

// cmdEnv is what main hands to a subcommand: its output streams, the reload signal and the
// root's persistent flags.
type cmdEnv struct {
	stdout, stderr io.Writer
	// reload receives a value on SIGHUP.
	reload <-chan struct{}
	// config is the --config flag (every command takes it, before or after its name).
	config string
	// storeOpts are added to the options of the build store the claiming commands open (see
	// withClaim); run sets none, tests shorten the lease timings with them.
	storeOpts []state.Option
}

func main() { os.Exit(run(os.Args)) }

// run turns SIGINT/SIGTERM into a cancelled context and SIGHUP into a reload, then executes the
// command line. Nothing below cmd/ handles signals or exits, so every daemon can run inside a test.
func run(argv []string) int {
	args := argv[1:]
	// Run as packuilon-watch-once (a symlink, as packages installed it before it became its own
	// binary), it is one scan: cdp-listend executes its nch command without arguments.
	if filepath.Base(argv[0]) == oneshot.Name {
		args = append([]string{"watch", "--once"}, args...)
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
	return execute(ctx, &cmdEnv{stdout: os.Stdout, stderr: os.Stderr, reload: reload}, args)
}
