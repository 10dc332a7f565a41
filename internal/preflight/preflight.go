// Package preflight is `check-config --online`: it tries what the daemons will need, with the
// configuration's own settings: the broker and its queue, Keystone and Glance with each auth
// file, the source images, and the packer and rally programs with Rally's deployment. Each check
// gives one Result; nothing is created or changed anywhere.
package preflight

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/packuilon/packuilon/internal/config"
)

// Result is the outcome of one check. Skipped checks do not apply to this configuration (no
// smoke test with Rally, a host that only watches profiles).
type Result struct {
	Name    string
	OK      bool
	Skipped bool
	// Detail says what was found, or why the check failed (never a secret).
	Detail string
}

// String prints "OK   name: detail", "FAIL name: detail" or "SKIP name: detail".
func (r Result) String() string {
	tag := "FAIL"
	switch {
	case r.Skipped:
		tag = "SKIP"
	case r.OK:
		tag = "OK  "
	}
	return fmt.Sprintf("%s %s: %s", tag, r.Name, r.Detail)
}

// Timeout bounds each check.
const Timeout = 30 * time.Second

// Run runs every check that applies to cfg, in order. getenv supplies OS_CLOUD and the OS_*
// variables for the accounts that have no auth file. log gets a warning for each retry of a
// transient error (a slow or restarting Keystone), so an operator waiting sees why; nil logs
// nothing. The Results are the only output about the checks themselves; they show values with %(name)s
// references as written (Config.AsWritten).
func Run(ctx context.Context, cfg *config.Config, getenv func(string) string, log hclog.Logger) []Result {
	if log == nil {
		log = hclog.NewNullLogger()
	}
	out := []Result{broker(ctx, cfg.Global)}
	out = append(out, cloud(ctx, cfg, getenv, log)...)
	out = append(out, programs(ctx, cfg)...)
	// Names and details quote paths and values of the configuration: what a %(name)s reference
	// brought into them (it may be a secret) is shown as written.
	for i := range out {
		out[i].Name, out[i].Detail = cfg.AsWritten(out[i].Name), cfg.AsWritten(out[i].Detail)
	}
	return out
}

// ok and fail make Results.
func ok(name, format string, args ...any) Result {
	return Result{Name: name, OK: true, Detail: fmt.Sprintf(format, args...)}
}

func fail(name string, err error) Result { return Result{Name: name, Detail: err.Error()} }

func skip(name, why string) Result { return Result{Name: name, Skipped: true, Detail: why} }

// withTimeout runs fn with Timeout.
func withTimeout(ctx context.Context, fn func(context.Context) Result) Result {
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	return fn(ctx)
}
