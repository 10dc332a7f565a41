package rally

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/servers"
	"github.com/hashicorp/go-hclog"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/glance"
	"github.com/packuilon/packuilon/internal/retry"
)

// Metadata keys on test servers. BuildKey tags the build, so servers left behind by an
// interrupted test can be found and reaped.
const (
	BuildKey    = "packuilon_build_id"
	imageKey    = "packuilon_image_id"
	serverPrefx = "packuilon-smoke-"
)

// BootTest is the built-in smoke test for sites without Rally: boot the image, wait for ACTIVE
// (and optionally a console marker), delete the server. An ERROR server or a missing marker
// rejects the image; a boot that never leaves BUILD, or an API failure, is an infrastructure
// error.
type BootTest struct {
	Compute *gophercloud.ServiceClient
	Image   *gophercloud.ServiceClient
	Cfg     config.Smoke
	Log     hclog.Logger
	// Poll is the interval between status checks (default 2s).
	Poll time.Duration
	// Builds, if set, tells the reaper which builds run (the build store, shared with other
	// processes); see reap.
	Builds BuildRunning
}

// OpenBootTest connects with the [smoke] AUTH_FILE credentials (else OS_CLOUD or OS_*).
func OpenBootTest(ctx context.Context, cfg config.Smoke, getenv func(string) string, log hclog.Logger) (*BootTest, error) {
	creds, err := glance.LoadCredentials(cfg.AuthFile, getenv)
	if err != nil {
		return nil, infraErr("boot test credentials: %w", err)
	}
	cl, err := glance.Connect(ctx, creds, log)
	if err != nil {
		return nil, infraErr("boot test: %w", err)
	}
	if cl.Compute == nil {
		return nil, infraErr("boot test: no compute endpoint in the catalog (%v)", cl.ComputeErr)
	}
	return &BootTest{Compute: cl.Compute, Image: cl.Image, Cfg: cfg, Log: log.Named("boot-test")}, nil
}

// Test boots one server from s.ImageID and judges the image by what becomes of it.
func (b *BootTest) Test(ctx context.Context, s Subject) (Verdict, error) {
	if !safeID(s.BuildID) || !safeID(s.ImageID) {
		return Verdict{}, infraErr("unsafe build id %q or image id %q", s.BuildID, s.ImageID)
	}
	log := b.Log.With("build_id", s.BuildID, "image_id", s.ImageID)
	out := s.Output
	if out == nil {
		out = io.Discard
	}
	activeMu.Lock()
	active[s.BuildID]++
	activeMu.Unlock()
	defer func() {
		activeMu.Lock()
		active[s.BuildID]--
		activeMu.Unlock()
	}()
	b.reap(ctx, s.BuildID)
	flavor, err := b.flavor(ctx, s.ImageID)
	if err != nil {
		return Verdict{}, err
	}
	opts := servers.CreateOpts{
		Name: serverPrefx + s.BuildID, ImageRef: s.ImageID, FlavorRef: flavor.ID,
		Metadata: map[string]string{BuildKey: s.BuildID, imageKey: s.ImageID},
	}
	if b.Cfg.Network != "" {
		opts.Networks = []servers.Network{{UUID: b.Cfg.Network}}
	}
	started := time.Now()
	srv, err := servers.Create(ctx, b.Compute, opts, nil).Extract()
	if err != nil {
		return Verdict{}, infraErr("boot test: create server: %w", err)
	}
	fmt.Fprintf(out, "boot test: server %s booting from image %s with flavor %s\n", srv.ID, s.ImageID, flavor.Name)
	// The server goes, whatever happened, even when the build is being stopped.
	defer b.delete(ctx, srv.ID, out)
	r := report{Server: srv.ID, Image: s.ImageID, Flavor: flavor.Name, BuildID: s.BuildID}
	v, err := b.judge(ctx, srv.ID, &r)
	r.Seconds = time.Since(started).Seconds()
	r.Verdict = v.Reason()
	fmt.Fprintf(out, "boot test: %s (%.1fs)\n", r.Verdict, r.Seconds)
	if werr := writeReport(s.ReportPath, r); werr != nil && err == nil {
		err = werr
	}
	log.Info("boot test done", "passed", v.Passed, "duration", time.Since(started).Round(time.Millisecond), "error", err)
	return v, err
}

// judge waits for the server to become ACTIVE and, if configured, for the console marker.
func (b *BootTest) judge(ctx context.Context, id string, r *report) (Verdict, error) {
	fail := func(msg string) Verdict {
		return Verdict{Total: 1, Failed: 1, Errors: []string{"boot #1: " + msg}}
	}
	status, fault, err := b.waitActive(ctx, id)
	r.Status = status
	switch {
	case err != nil:
		return Verdict{}, err
	case status == "ERROR":
		return fail(fmt.Sprintf("server %s went to ERROR: %s", id, fault)), nil
	}
	if b.Cfg.ConsoleMarker == "" {
		return Verdict{Passed: true, Total: 1}, nil
	}
	found, console, err := b.waitConsole(ctx, id)
	r.Console = console
	switch {
	case err != nil:
		return Verdict{}, err
	case !found:
		return fail(fmt.Sprintf("console marker %q not seen within %s", b.Cfg.ConsoleMarker, b.Cfg.ConsoleTimeout)), nil
	}
	return Verdict{Passed: true, Total: 1}, nil
}

// waitActive polls until ACTIVE or ERROR. Staying in BUILD past BOOT_TIMEOUT is the cloud's
// problem (scheduling, image download), not evidence against the image.
func (b *BootTest) waitActive(ctx context.Context, id string) (status, fault string, err error) {
	wctx, cancel := context.WithTimeout(ctx, b.Cfg.BootTimeout)
	defer cancel()
	for {
		srv, err := servers.Get(wctx, b.Compute, id).Extract()
		switch {
		case err == nil && (srv.Status == "ACTIVE" || srv.Status == "ERROR"):
			return srv.Status, srv.Fault.Message, nil
		case err == nil:
			status = srv.Status
		case wctx.Err() == nil:
			return "", "", infraErr("boot test: server %s: %w", id, err)
		}
		if !b.sleep(wctx) {
			if ctx.Err() != nil {
				return status, "", infraErr("boot test: server %s: %w", id, ctx.Err())
			}
			return status, "", infraErr("boot test: server %s still %s after %s", id, status, b.Cfg.BootTimeout)
		}
	}
}

// waitConsole polls the console log for the marker.
func (b *BootTest) waitConsole(ctx context.Context, id string) (bool, string, error) {
	wctx, cancel := context.WithTimeout(ctx, b.Cfg.ConsoleTimeout)
	defer cancel()
	var last string
	for {
		out, err := servers.ShowConsoleOutput(wctx, b.Compute, id, servers.ShowConsoleOutputOpts{}).Extract()
		if err == nil {
			last = out
			if strings.Contains(out, b.Cfg.ConsoleMarker) {
				return true, consoleTail(out), nil
			}
		} else if wctx.Err() == nil && !gophercloud.ResponseCodeIs(err, 409) {
			return false, "", infraErr("boot test: console of %s: %w", id, err)
		}
		if !b.sleep(wctx) {
			if ctx.Err() != nil {
				return false, "", infraErr("boot test: console of %s: %w", id, ctx.Err())
			}
			return false, consoleTail(last), nil
		}
	}
}

// sleep waits one poll interval (default 2s); false when ctx ended first.
func (b *BootTest) sleep(ctx context.Context) bool {
	d := b.Poll
	if d <= 0 {
		d = 2 * time.Second
	}
	return retry.Sleep(ctx, d)
}

// consoleTail keeps the end of a console log for the report.
func consoleTail(s string) string {
	const keep = 4096
	if len(s) > keep {
		return s[len(s)-keep:]
	}
	return s
}

var errNoFlavor = errors.New("no flavor fits")
