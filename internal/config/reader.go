package config

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"gopkg.in/ini.v1"

	"github.com/packuilon/packuilon/internal/redact"
)

// reader reads typed keys from one section and collects problems instead of stopping at the first.
type reader struct {
	file     string
	name     string
	sec      *ini.Section
	problems *Problems
	// known collects every section and key that Load asks for, so the keys it never asks for
	// are reported as unknown (typos).
	known known
	// layers finds the keys the section does not set in [DEFAULT].
	layers *layers
}

func (r *reader) problem(key, format string, args ...any) {
	*r.problems = append(*r.problems, Problem{File: r.file, Section: r.name, Key: key, Msg: fmt.Sprintf(format, args...)})
}

// raw returns the key's value, from the section or [DEFAULT] and interpolated, without
// surrounding space; "" when the section or key is absent, the value is empty, or its
// interpolation fails (a problem), which every typed reader treats alike: take the default.
// A value over several lines (continuation lines) is a problem too: only lists take one.
func (r *reader) raw(key string) string {
	v := r.lines(key)
	if n := strings.Count(v, "\n") + 1; n > 1 {
		r.problem(key, "has a value over %d lines (a line indented under a key continues its value, as in configparser), "+
			"but takes one line; not shown: it may hold a secret", n)
		return ""
	}
	return v
}

// lines is raw for the keys whose value may be spread over lines (lists).
func (r *reader) lines(key string) string {
	r.known.add(r.name, key)
	raw, ok := r.layers.lookup(r.name, r.sec, key)
	if !ok {
		return ""
	}
	var refs []placedRef
	v, err := interpolateSeen(raw, func(name string) (string, bool) {
		val, from, ok := r.layers.reference(r.name, name)
		if ok {
			r.known.add(from, name) // a key used in references is no unknown key
		}
		return val, ok
	}, func(written, expanded string, at int) {
		refs = append(refs, placedRef{refPair{expanded: expanded, written: written}, at})
	})
	if err != nil {
		r.problem(key, "%s", err)
		return ""
	}
	marked := secretRefs(key, v, refs)
	v = strings.TrimSpace(v)
	r.layers.written.note(r.name, key, raw, v, marked)
	return v
}

// shown is v, a value read from key or quoted from it, as the file writes it: what came from
// %(name)s references (which may be secrets) is shown as the references.
func (r *reader) shown(key, v string) string {
	return r.layers.written.value(r.name, key, v)
}

// inherits reports whether the section took key from [DEFAULT] (after raw).
func (r *reader) inherits(key string) bool {
	return r.layers.inherited[r.name+" "+strings.ToUpper(key)]
}

// str returns the key's value, or def when the key is absent or empty.
func (r *reader) str(key, def string) string {
	if v := r.raw(key); v != "" {
		return v
	}
	return def
}

func (r *reader) int(key string, def, min, max int) int {
	v := r.raw(key)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		r.problem(key, "%q is not a whole number", r.shown(key, v))
		return def
	}
	if n < min || n > max {
		// v as read, not n: n drops a sign or leading zeros, which the written form would not hide.
		r.problem(key, "%s is out of range %d..%d", r.shown(key, v), min, max)
		return def
	}
	return n
}

// size reads a byte count: a number with an optional K, M or G suffix (binary units).
func (r *reader) size(key string, def int64) int64 {
	raw := r.raw(key)
	if raw == "" {
		return def
	}
	v := strings.TrimSuffix(strings.TrimSuffix(strings.ToUpper(raw), "B"), "I")
	mult := int64(1)
	switch {
	case strings.HasSuffix(v, "K"):
		mult, v = 1<<10, strings.TrimSuffix(v, "K")
	case strings.HasSuffix(v, "M"):
		mult, v = 1<<20, strings.TrimSuffix(v, "M")
	case strings.HasSuffix(v, "G"):
		mult, v = 1<<30, strings.TrimSuffix(v, "G")
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || n <= 0 {
		r.problem(key, "%q is not a positive size (e.g. 64M)", r.shown(key, raw))
		return def
	}
	return n * mult
}

func (r *reader) bool(key string, def bool) bool {
	v := r.raw(key)
	switch strings.ToLower(v) {
	case "":
		return def
	case "1", "true", "yes", "on":
		return true
	case "0", "false", "no", "off":
		return false
	}
	r.problem(key, "%q is not a boolean (true/false)", r.shown(key, v))
	return def
}

func (r *reader) duration(key string, def time.Duration) time.Duration {
	raw := r.raw(key)
	if raw == "" {
		return def
	}
	d, err := time.ParseDuration(raw)
	if n, aerr := strconv.Atoi(raw); aerr == nil { // plain seconds, as the old scripts would write
		d, err = time.Duration(n)*time.Second, nil
	}
	// A negative timeout would expire at once (LOCK_TIMEOUT = -5 never waits for the lock).
	if err != nil || d < 0 {
		r.problem(key, "%q is not a duration of 0 or more (e.g. 90s, 30m, 2h)", r.shown(key, raw))
		return def
	}
	return d
}

// list reads a comma- or whitespace-separated list.
func (r *reader) list(key string, def []string) []string {
	v := r.lines(key)
	if v == "" {
		return def
	}
	return strings.FieldsFunc(v, listSeparator)
}

// url reads an http(s) or file URL; "" when the key is absent. Whether a URL is needed depends
// on what runs (PROFILE_INFO_URL only for the watcher), so checks and NewSource say so, not Load.
func (r *reader) url(key string) string {
	v := r.raw(key)
	if v == "" {
		return ""
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "file") || (u.Scheme != "file" && u.Host == "") {
		r.problem(key, "%q is not an http(s):// or file:// URL", redact.URL(r.shown(key, v)))
	}
	return v
}

func (r *reader) oneOf(key, def string, allowed ...string) string {
	v := r.str(key, def)
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	r.problem(key, "%q is not one of %s", r.shown(key, v), strings.Join(allowed, ", "))
	return def
}
