package rally

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/flavors"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/servers"
	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/images"

	"github.com/packuilon/packuilon/internal/fsutil"
)

// deleteTimeout bounds deleting a test server, which happens even while the build is stopping.
const deleteTimeout = 2 * time.Minute

var (
	// active counts the boot tests running in this process per build, so reaping (which looks
	// for servers of earlier, interrupted tests) never takes a server a running test uses.
	activeMu sync.Mutex
	active   = map[string]int{}
)

// flavor returns the configured flavor (by name or id), or the smallest that fits the image's
// min_disk and min_ram.
func (b *BootTest) flavor(ctx context.Context, imageID string) (flavors.Flavor, error) {
	pages, err := flavors.ListDetail(b.Compute, flavors.ListOpts{}).AllPages(ctx)
	if err != nil {
		return flavors.Flavor{}, infraErr("boot test: list flavors: %w", err)
	}
	all, err := flavors.ExtractFlavors(pages)
	if err != nil {
		return flavors.Flavor{}, infraErr("boot test: list flavors: %w", err)
	}
	if b.Cfg.Flavor != "" {
		for _, f := range all {
			if f.Name == b.Cfg.Flavor || f.ID == b.Cfg.Flavor {
				return f, nil
			}
		}
		return flavors.Flavor{}, infraErr("boot test: flavor %q not found", b.Cfg.Flavor)
	}
	img, err := images.Get(ctx, b.Image, imageID).Extract()
	if err != nil {
		return flavors.Flavor{}, infraErr("boot test: image %s: %w", imageID, err)
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].RAM != all[j].RAM {
			return all[i].RAM < all[j].RAM
		}
		return all[i].Disk < all[j].Disk
	})
	for _, f := range all {
		if f.Disk >= img.MinDiskGigabytes && f.RAM >= img.MinRAMMegabytes {
			return f, nil
		}
	}
	return flavors.Flavor{}, infraErr("boot test: %w image %s (min_disk %d GiB, min_ram %d MiB)", errNoFlavor, imageID, img.MinDiskGigabytes, img.MinRAMMegabytes)
}

// delete removes a test server and waits until it is gone, with its own deadline: it must run
// when the build's context is already cancelled.
func (b *BootTest) delete(ctx context.Context, id string, out io.Writer) {
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), deleteTimeout)
	defer cancel()
	if err := servers.Delete(dctx, b.Compute, id).ExtractErr(); err != nil && !gophercloud.ResponseCodeIs(err, http.StatusNotFound) {
		b.Log.Warn("cannot delete test server; the next boot test reaps it", "server", id, "error", err)
		return
	}
	for {
		_, err := servers.Get(dctx, b.Compute, id).Extract()
		if gophercloud.ResponseCodeIs(err, http.StatusNotFound) {
			fmt.Fprintf(out, "boot test: server %s deleted\n", id)
			return
		}
		if !b.sleep(dctx) {
			b.Log.Warn("test server not gone yet; the next boot test reaps it", "server", id)
			return
		}
	}
}

// reap deletes servers that earlier boot tests left behind (the builder stopped or crashed
// while they ran). The current build's own leftovers (from before a retry) go; a server of a
// test running in this process never does. With Builds (the build store) set, which another
// process may share (the daemon and packuilon smoke), a server of a build the store says is
// running is left alone, and one of a build the store does not know (a hand-run smoke test
// in another process) only once it is older than any test can last. Failures are only logged.
func (b *BootTest) reap(ctx context.Context, current string) {
	pages, err := servers.List(b.Compute, servers.ListOpts{Name: "^" + serverPrefx}).AllPages(ctx)
	if err != nil {
		b.Log.Warn("cannot list servers to reap", "error", err)
		return
	}
	all, err := servers.ExtractServers(pages)
	if err != nil {
		b.Log.Warn("cannot list servers to reap", "error", err)
		return
	}
	for _, s := range all {
		build, ok := s.Metadata[BuildKey]
		if !ok || !strings.HasPrefix(s.Name, serverPrefx) {
			continue
		}
		activeMu.Lock()
		busy := active[build] > 0 && build != current
		activeMu.Unlock()
		if busy || (build != current && b.liveElsewhere(ctx, build, s.Created)) {
			continue
		}
		b.Log.Info("reaping server of an interrupted boot test", "server", s.ID, "build_id", build)
		b.delete(ctx, s.ID, io.Discard)
	}
}

// report is the boot test's report file (JSON, beside the build log).
type report struct {
	BuildID string  `json:"build_id"`
	Image   string  `json:"image_id"`
	Server  string  `json:"server_id"`
	Flavor  string  `json:"flavor"`
	Status  string  `json:"status"`
	Verdict string  `json:"verdict"`
	Seconds float64 `json:"seconds"`
	Console string  `json:"console,omitempty"`
}

func writeReport(path string, r report) error {
	if path == "" {
		return nil
	}
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return infraErr("boot test report: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return infraErr("boot test report: %w", err)
	}
	if err := fsutil.WriteFile(path, append(data, '\n'), 0o640); err != nil {
		return infraErr("boot test report: %w", err)
	}
	return nil
}

// BuildRunning reports whether a build is running according to the build store, and whether
// the store knows the build at all.
type BuildRunning func(ctx context.Context, buildID string) (running, known bool, err error)

// liveElsewhere reports whether the server of build (created at created) may belong to a test
// running in another process; when in doubt (the store cannot be read) it says yes.
func (b *BootTest) liveElsewhere(ctx context.Context, build string, created time.Time) bool {
	if b.Builds == nil {
		return false
	}
	running, known, err := b.Builds(ctx, build)
	switch {
	case err != nil:
		b.Log.Warn("cannot tell whether the build of a test server runs; leaving the server", "build_id", build, "error", err)
		return true
	case known:
		return running
	}
	// A hand-run test: it deletes its server within its timeouts.
	return time.Since(created) < b.Cfg.BootTimeout+b.Cfg.ConsoleTimeout+deleteTimeout
}
