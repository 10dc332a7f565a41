package builder

import (
	"context"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/state"
	"github.com/packuilon/packuilon/internal/testenv"
	"github.com/packuilon/packuilon/templates"
)

// TestStopInterruptsAfterGraceAndResumes stops the daemon during a long build: after
// STOP_GRACE packer is interrupted, the build stays at its stage (not failed), and the next
// daemon resumes and finishes it.
func TestStopInterruptsAfterGraceAndResumes(t *testing.T) {
	needPacker(t)
	rmq := testenv.SharedRabbit(t)
	g := rmq.Global(testenv.UniqueName(t))
	cfg := loadTree(t, g)
	auth, err := os.ReadFile(cfg.Builder.PackerAuthFile)
	if err != nil {
		t.Fatal(err)
	}
	setAuth(t, cfg, "export PACKUILON_SLEEP=120")
	stop := startDaemon(t, cfg, nil)
	st := openStore(t, cfg)
	req := request("nubesvms", "sha256:stop")
	publish(t, g, mustJSON(t, req))
	waitFor(t, 2*time.Minute, "packer to run", func() bool {
		recs := builds(t, st, req.ImageKey)
		if len(recs) != 1 || recs[0].LogPath == "" {
			return false
		}
		data, _ := os.ReadFile(recs[0].LogPath)
		return strings.Contains(string(data), "Running local shell script")
	})
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	rec := builds(t, st, req.ImageKey)[0]
	if rec.State != state.Building || rec.Stage != "packer" {
		t.Fatalf("after stop: %s at %s (%s), want still building at packer", rec.State, rec.Stage, rec.Message)
	}
	if err := os.WriteFile(cfg.Builder.PackerAuthFile, auth, 0o600); err != nil { // no more sleeping
		t.Fatal(err)
	}
	startDaemon(t, cfg, nil)
	waitFor(t, 2*time.Minute, "the resumed build", func() bool {
		r, err := st.Get(context.Background(), rec.ID)
		return err == nil && r.State == state.Succeeded
	})
	if r, _ := st.Get(context.Background(), rec.ID); r.Attempt != 2 {
		t.Errorf("attempt = %d, want 2", r.Attempt)
	}
}

// TestReloadKeepsTheRunningSetOnError: a broken map is refused with the reason and the old
// set stays; a good edit is picked up through fsnotify without a signal.
func TestReloadKeepsTheRunningSetOnError(t *testing.T) {
	cfg, err := config.Load(copyTree(t))
	if err != nil {
		t.Fatal(err)
	}
	set, err := templates.Load(cfg.Builder.TemplateSources())
	if err != nil {
		t.Fatal(err)
	}
	cp, sp := &atomic.Pointer[config.Config]{}, &atomic.Pointer[templates.Set]{}
	cp.Store(cfg)
	sp.Store(set)
	r := &reloader{cfg: cp, sets: sp, log: hclog.NewNullLogger()}
	mapFile := cfg.Builder.PackerTemplateMap
	good, _ := os.ReadFile(mapFile)
	broken := []struct{ name, content, err string }{
		{"not json", `{"DEFAULT": [`, "not a JSON object"},
		{"missing template", `{"DEFAULT": ["templates/nope.json"]}`, "no such file"},
	}
	for _, b := range broken {
		t.Run(b.name, func(t *testing.T) {
			if err := os.WriteFile(mapFile, []byte(b.content), 0o644); err != nil {
				t.Fatal(err)
			}
			err := r.reload()
			if err == nil || !strings.Contains(err.Error(), b.err) {
				t.Fatalf("reload: %v, want %q", err, b.err)
			}
			if sp.Load() != set {
				t.Fatal("a failed reload replaced the running set")
			}
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	go func() { r.run(ctx, nil); close(done) }()
	defer func() { cancel(); <-done }()
	edited := strings.Replace(string(good), `"templates/managed.json"`, `"templates/unmanaged.json"`, 1)
	var written time.Time
	waitFor(t, time.Minute, "the edited map to be loaded", func() bool {
		// written again now and then: the watcher may not be watching yet at the first write,
		// and not on every poll, which would keep restarting the debounce
		if time.Since(written) > 3*time.Second {
			os.WriteFile(mapFile, []byte(edited), 0o644)
			written = time.Now()
		}
		p, err := sp.Load().Plan(request("any", ""))
		return err == nil && p.Templates[0].Stem == "unmanaged"
	})
}
