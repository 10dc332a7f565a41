package builder

import (
	"context"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/fsnotify/fsnotify"
	"github.com/hashicorp/go-hclog"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/sdnotify"
	"github.com/packuilon/packuilon/templates"
)

// debounce collects a burst of file events (an editor writes, renames and chmods) into one
// reload; maxDebounce bounds the wait when a file keeps changing (a slow copy, a sync job).
const (
	debounce    = 500 * time.Millisecond
	maxDebounce = 5 * time.Second
)

// reloader reloads the configuration file and the template set, on SIGHUP or when one of
// their files changes. Everything is loaded before anything is swapped: a bad edit keeps the
// running configuration, and the log says why.
type reloader struct {
	cfg  *atomic.Pointer[config.Config]
	sets *atomic.Pointer[templates.Set]
	log  hclog.Logger
	// reloaded, if set, gets the outcome of each reload asked for by signal.
	reloaded func(error)
}

func (r *reloader) reload() error {
	_ = sdnotify.Notify(sdnotify.Reloading)
	defer sdnotify.Notify(sdnotify.Ready)
	old := r.cfg.Load()
	cfg, err := config.Load(old.Path)
	if err != nil {
		return fmt.Errorf("reload %s: %w", old.Path, err)
	}
	set, err := templates.Load(cfg.Builder.TemplateSources())
	if err != nil {
		return fmt.Errorf("reload templates: %w", err)
	}
	if cfg.Global != old.Global || cfg.Builder.StateDB != old.Builder.StateDB || cfg.Builder.Prefetch != old.Builder.Prefetch {
		r.log.Warn("broker, STATE_DB and PREFETCH settings take effect at the next restart")
	}
	r.sets.Store(set)
	r.cfg.Store(cfg)
	cfg.Replaces(old) // in use: what earlier configurations' references brought in is no longer hidden
	r.log.Info("reloaded configuration and templates", "templates", len(set.Templates()))
	return nil
}

// watched returns the files that trigger a reload (the config file, the maps and the
// templates) and their directories: fsnotify watches directories, because editors replace
// files by renaming. Other files in those directories (the build store, logs) are ignored.
func (r *reloader) watched() (files map[string]bool, dirs []string) {
	cfg, set := r.cfg.Load(), r.sets.Load()
	files = map[string]bool{}
	seen := map[string]bool{}
	add := func(p string) {
		if p == "" {
			return
		}
		files[filepath.Clean(p)] = true
		d := filepath.Dir(p)
		if !seen[d] {
			seen[d] = true
			dirs = append(dirs, d)
		}
	}
	add(cfg.Path)
	add(cfg.Builder.PackerTemplateMap)
	add(cfg.Builder.PackerTemplate)
	add(cfg.Builder.ImagesConfig)
	if set != nil {
		for _, t := range set.Templates() {
			add(t.Path)
		}
	}
	return files, dirs
}

// run reloads on signal or file change until ctx is done.
func (r *reloader) run(ctx context.Context, signal <-chan struct{}) {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		r.log.Warn("cannot watch the template files; reload with SIGHUP", "error", err)
	}
	var events <-chan fsnotify.Event
	var errs <-chan error
	watched := map[string]bool{}
	var files map[string]bool
	rewatch := func() {
		if w == nil {
			return
		}
		var dirs []string
		files, dirs = r.watched()
		for _, d := range dirs {
			if !watched[d] {
				if err := w.Add(d); err != nil {
					r.log.Warn("cannot watch a directory", "dir", d, "error", err)
					continue
				}
				watched[d] = true
			}
		}
	}
	if w != nil {
		defer w.Close()
		events, errs = w.Events, w.Errors
		rewatch()
	}
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	var first time.Time // first event of the burst being collected
	do := func(why string) {
		err := r.reload()
		if why == "signal" && r.reloaded != nil {
			r.reloaded(err)
		}
		if err != nil {
			r.log.Error("reload failed; keeping the running configuration", "trigger", why, "error", err)
			return
		}
		rewatch()
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-signal:
			do("signal")
		case ev := <-events:
			if !files[filepath.Clean(ev.Name)] {
				continue
			}
			if first.IsZero() {
				first = time.Now()
			}
			if time.Since(first) < maxDebounce {
				timer.Reset(debounce)
			}
		case err := <-errs:
			r.log.Warn("file watch error", "error", err)
		case <-timer.C:
			first = time.Time{}
			do("file change")
		}
	}
}
