package config

import (
	"encoding/json"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// loaded holds what the %(name)s references of the configurations this process uses brought
// in, for AsWritten: every one loaded until a reload replaces the running one (Replaces).
var loaded loadedValues

// loadedValues holds, for each load, the log forms of the expansions it hides, with their
// replacer.
type loadedValues struct {
	mu   sync.Mutex // held by remember, keep and Hold's release
	last uint64     // the last load's number
	sets map[uint64][]refPair
	// holds counts, per load, the work started under it that still runs (Config.Hold); inUse
	// are the loads the last keep named, and kept tells that keep ran (until then every load
	// is kept).
	holds map[uint64]int
	inUse []uint64
	kept  bool
	// replacer shows the pairs of every set as written, longest first; nil while there is none
	// (no configuration in use has references: then log lines are written as they are, neither
	// copied nor scanned).
	replacer atomic.Pointer[strings.Replacer]
}

// remember adds the expansions of one configuration (at a load, before the configuration is
// used: the replacer is built here, not on the log path) and returns the load's number.
func (l *loadedValues) remember(w writtenValues) uint64 {
	var set []refPair
	for _, ps := range w {
		for _, p := range ps {
			if !p.shownAsIs() {
				set = append(set, logForms(p)...)
			}
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.last++
	if len(set) > 0 {
		if l.sets == nil {
			l.sets = map[uint64][]refPair{}
		}
		l.sets[l.last] = set
		l.rebuild()
	}
	return l.last
}

// keep forgets the sets of every load but loads (a reload: what no configuration in use holds
// is no longer hidden, and the sets do not grow with each reload).
func (l *loadedValues) keep(loads ...uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.inUse, l.kept = loads, true
	for n := range l.sets {
		if !slices.Contains(loads, n) && l.holds[n] == 0 {
			delete(l.sets, n)
		}
	}
	l.rebuild()
}

// hold counts one more piece of work under load n; its release forgets n's set once the last
// one ends, if no configuration in use is n.
func (l *loadedValues) hold(n uint64) (release func()) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.holds == nil {
		l.holds = map[uint64]int{}
	}
	l.holds[n]++
	var once sync.Once
	return func() {
		once.Do(func() {
			l.mu.Lock()
			defer l.mu.Unlock()
			if l.holds[n]--; l.holds[n] > 0 {
				return
			}
			delete(l.holds, n)
			if _, ok := l.sets[n]; ok && l.kept && !slices.Contains(l.inUse, n) {
				delete(l.sets, n)
				l.rebuild()
			}
		})
	}
}

// rebuild makes the replacer of the sets, the older loads' pairs first (between pairs of the
// same length, the first given wins).
func (l *loadedValues) rebuild() {
	loads := slices.Sorted(maps.Keys(l.sets))
	seen := map[refPair]bool{}
	var pairs []refPair
	for _, n := range loads {
		for _, p := range l.sets[n] {
			if !seen[p] {
				seen[p] = true
				pairs = append(pairs, p)
			}
		}
	}
	if len(pairs) == 0 {
		l.replacer.Store(nil)
		return
	}
	l.replacer.Store(replacer(pairs))
}

// Replaces tells that c is now the running configuration in place of old, which a reload
// replaced: from now on AsWritten hides what c's and old's references brought in, and no longer
// what those of other configurations loaded before did (an earlier configuration, a reload that
// failed). Call it once c is in use, not before: until then old's values are hidden with c's
// (since c's Load), so a line never shows a value in use. old's stay hidden until the next reload,
// as builds started under it may still run and log its paths. old may be nil.
func (c *Config) Replaces(old *Config) {
	if old == nil {
		loaded.keep(c.load)
		return
	}
	loaded.keep(c.load, old.load)
}

// Hold tells that work started under c (a build) runs, and may log c's paths, until the
// returned release is called: AsWritten keeps hiding what c's references brought in meanwhile,
// however many reloads replace c (Replaces forgets only what no configuration in use and no
// running work holds). Call it before the work starts; release may be called more than once.
// A nil or never loaded configuration holds nothing.
func (c *Config) Hold() (release func()) {
	if c == nil || c.load == 0 {
		return func() {}
	}
	return loaded.hold(c.load)
}

// logForms is p and p as log lines show a value: hclog's text format escapes the quotes of a
// quoted value (\"), its JSON format escapes as encoding/json does (\", \\, \u0026 for &).
func logForms(p refPair) []refPair {
	forms := []refPair{p}
	for _, esc := range []func(string) string{
		func(s string) string { return strings.ReplaceAll(s, `"`, `\"`) },
		func(s string) string { b, _ := json.Marshal(s); return string(b[1 : len(b)-1]) },
	} {
		if e := esc(p.expanded); e != p.expanded {
			forms = append(forms, refPair{e, esc(p.written), p.secret})
		}
	}
	return forms
}

// hide returns s with every expansion remembered shown as written, longest first.
func (l *loadedValues) hide(s string) string {
	if r := l.replacer.Load(); r != nil {
		return r.Replace(s)
	}
	return s
}

// AsWritten is Config.AsWritten for the configurations this process uses: every one it
// loaded, at its start and at each reload, until a reload replaces the running one (Replaces:
// then the new one's and the one it replaced, whose paths a daemon's log may still quote). The
// daemons' and commands' logs and messages go through it, so that what a %(name)s reference
// brought into a path or value (it may be a secret) is never shown.
func AsWritten(s string) string { return loaded.hide(s) }

// AsWrittenWriter returns w with AsWritten applied to each Write: for a build's log, where
// packer's command line and output may quote a path of the configuration, and for the
// programs' log and messages. Each Write must hold whole lines (a value cut in two is not
// recognised). w already wrapped is returned as it is.
func AsWrittenWriter(w io.Writer) io.Writer { return loaded.writer(w) }

func (l *loadedValues) writer(w io.Writer) io.Writer {
	if a, ok := w.(asWrittenWriter); ok && a.l == l {
		return w
	}
	return asWrittenWriter{w, l}
}

type asWrittenWriter struct {
	w io.Writer
	l *loadedValues
}

func (a asWrittenWriter) Write(p []byte) (int, error) {
	r := a.l.replacer.Load()
	if r == nil {
		return a.w.Write(p)
	}
	if _, err := io.WriteString(a.w, r.Replace(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}

// WriteString is Write for a string (packer's lines): neither is copied into the other.
func (a asWrittenWriter) WriteString(s string) (int, error) {
	if r := a.l.replacer.Load(); r != nil {
		if _, err := io.WriteString(a.w, r.Replace(s)); err != nil {
			return 0, err
		}
		return len(s), nil
	}
	return io.WriteString(a.w, s)
}
