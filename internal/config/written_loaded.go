package config

import (
	"encoding/json"
	"io"
	"strings"
	"sync"
	"sync/atomic"
)

// loaded holds what the %(name)s references of every configuration this process loaded (at
// its start and at each reload) brought in, for AsWritten.
var loaded loadedValues

// loadedValues is a set of expansions and how they are written, with their replacer.
type loadedValues struct {
	mu    sync.Mutex // held by remember
	seen  map[refPair]bool
	pairs []refPair
	// replacer shows pairs as written, longest first; nil while there is none (a configuration
	// without references: then log lines are written as they are, neither copied nor scanned).
	replacer atomic.Pointer[strings.Replacer]
}

// remember adds the expansions of one configuration (at a load: the replacer is built here,
// not on the log path).
func (l *loadedValues) remember(w writtenValues) {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := len(l.pairs)
	for _, ps := range w {
		for _, p := range ps {
			if p.shownAsIs() {
				continue
			}
			for _, v := range logForms(p) {
				if l.seen[v] {
					continue
				}
				if l.seen == nil {
					l.seen = map[refPair]bool{}
				}
				l.seen[v] = true
				l.pairs = append(l.pairs, v)
			}
		}
	}
	if len(l.pairs) == n {
		return
	}
	l.replacer.Store(replacer(l.pairs))
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

// AsWritten is Config.AsWritten for every configuration this process loaded, at its start
// and at each reload (a daemon's log may quote a path of the configuration it ran with
// before): the daemons' and commands' logs and messages go through it, so that what a
// %(name)s reference brought into a path or value (it may be a secret) is never shown.
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
