package config

import (
	"errors"
	"fmt"
	"strings"

	"gopkg.in/ini.v1"
)

// The old scripts read config.ini with SafeConfigParser, which in Python 3 is ConfigParser
// with BasicInterpolation, and so does packuilon:
//   - the keys of [DEFAULT] are every section's, unless the section sets them itself (a
//     section that is not in the file has no keys, as configparser had no such section);
//   - in a value, %(name)s is the value of key name (any case) of the section or of
//     [DEFAULT], itself interpolated, and %% is one "%".
//
// One difference: configparser refused a "%" followed by anything else; packuilon keeps it,
// so a new key such as [promote] DATE_FORMAT = %Y-%m-%d is written as it is documented.
// [rally-tasks] lists image keys: it inherits no key of [DEFAULT] (its values are still
// interpolated).

// defaultSection is configparser's default section (go-ini's ini.DefaultSection).
const defaultSection = "DEFAULT"

// maxInterpolationDepth is configparser's MAX_INTERPOLATION_DEPTH.
const maxInterpolationDepth = 10

// layers finds a key in its section, else in [DEFAULT], as configparser did.
type layers struct {
	// f has its keys folded to lower case; defaults is its [DEFAULT].
	f        *ini.File
	defaults *ini.Section
	// inherited holds the keys a section took from [DEFAULT].
	inherited inheritedKeys
	// written holds how the values with references are written, to show them so.
	written writtenValues
}

func newLayers(f *ini.File) *layers {
	l := &layers{f: f, inherited: inheritedKeys{}, written: writtenValues{}}
	if s, err := f.GetSection(defaultSection); err == nil && len(s.Keys()) > 0 {
		l.defaults = s
	}
	return l
}

// lookup returns the raw value of key in section name (whose keys sec holds, nil when the file
// has no such section), or of [DEFAULT]; ok is false when neither sets it.
func (l *layers) lookup(name string, sec *ini.Section, key string) (string, bool) {
	if sec == nil {
		return "", false
	}
	if sec.HasKey(key) {
		return sec.Key(key).Value(), true
	}
	if freeSections[name] || l.defaults == nil || !l.defaults.HasKey(key) {
		return "", false
	}
	l.inherited[name+" "+strings.ToUpper(key)] = true
	return l.defaults.Key(key).Value(), true
}

// reference returns the raw value of the key a %(name)s names, as seen from section name, and
// the section that holds it; ok is false when neither the section nor [DEFAULT] has it.
func (l *layers) reference(name, key string) (val, from string, ok bool) {
	if s, err := l.f.GetSection(name); err == nil && s.HasKey(key) {
		return s.Key(key).Value(), name, true
	}
	if l.defaults != nil && l.defaults.HasKey(key) {
		return l.defaults.Key(key).Value(), defaultSection, true
	}
	return "", "", false
}

// Interpolation errors; none quotes the value, which may be a secret.
var (
	errNoReference = errors.New("has a %(...)s reference to a key set neither in the section that reads it nor in " +
		"[DEFAULT] (not shown: the value may hold a secret); write %% for a literal %")
	errBadReference = errors.New(`has "%(" without the ")s" that ends a reference; write %% for a literal %`)
	errTooDeep      = fmt.Errorf("has %%(...)s references more than %d deep (a key that refers to itself?)", maxInterpolationDepth)
)

// interpolate expands val as BasicInterpolation did; ref finds a referenced key's raw value.
func interpolate(val string, ref func(name string) (string, bool)) (string, error) {
	return interpolateSeen(val, ref, nil)
}

// interpolateSeen is interpolate that also tells seen, when not nil, each reference (at every
// depth, a reference inside another before it) as written, "%(name)s", what it expanded to, and
// where its expansion starts in the result (a byte offset).
func interpolateSeen(val string, ref func(name string) (string, bool), seen func(written, expanded string, at int)) (string, error) {
	var b strings.Builder
	err := expand(&b, val, ref, seen, 1, 0)
	return b.String(), err
}

// expand writes rest expanded into b, whose start is at offset base of the result.
func expand(b *strings.Builder, rest string, ref func(string) (string, bool), seen func(string, string, int), depth, base int) error {
	if depth > maxInterpolationDepth {
		return errTooDeep
	}
	for rest != "" {
		p := strings.IndexByte(rest, '%')
		if p < 0 {
			b.WriteString(rest)
			return nil
		}
		b.WriteString(rest[:p])
		rest = rest[p:]
		switch {
		case strings.HasPrefix(rest, "%%"):
			b.WriteByte('%')
			rest = rest[2:]
		case strings.HasPrefix(rest, "%("):
			end := strings.IndexByte(rest, ')')
			if end < 3 || !strings.HasPrefix(rest[end:], ")s") {
				return errBadReference
			}
			v, ok := ref(rest[2:end])
			if !ok {
				return errNoReference
			}
			written := rest[:end+2]
			rest = rest[end+2:]
			at := base + b.Len()
			if strings.IndexByte(v, '%') >= 0 { // as configparser: only a value with a "%" goes one deeper
				var sub strings.Builder
				if err := expand(&sub, v, ref, seen, depth+1, at); err != nil {
					return err
				}
				v = sub.String()
			}
			b.WriteString(v)
			if seen != nil {
				seen(written, v, at)
			}
		default: // configparser refused it; kept (see above)
			b.WriteByte('%')
			rest = rest[1:]
		}
	}
	return nil
}

// keyBeforeSection is the problem of a key above the first [section], which go-ini files
// under [DEFAULT] and configparser refused, naming its line (not shown: it may be a secret).
func keyBeforeSection(path string, data []byte) Problems {
	for i, line := range strings.Split(strings.TrimPrefix(string(data), "\ufeff"), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || line[0] == '#' || line[0] == ';':
			continue
		case line[0] == '[':
			return nil
		}
		return Problems{{File: path, Msg: fmt.Sprintf("line %d is a key above the first [section]: configparser refused such "+
			"a file; packuilon reads it as a [DEFAULT] key (write [DEFAULT] above it to say so)", i+1)}}
	}
	return nil
}

// inheritedKeys holds "section KEY" (upper case) for each value a section took from [DEFAULT].
type inheritedKeys map[string]bool

// where is the section and message of a problem or notice about key of section: [DEFAULT],
// saying which section read it, when the section inherited the value.
func (in inheritedKeys) where(section, key, msg string) (string, string) {
	if key != "" && in[section+" "+strings.ToUpper(key)] {
		return defaultSection, fmt.Sprintf("%s (inherited by [%s])", msg, section)
	}
	return section, msg
}

// locate makes each problem name where its value is written ([DEFAULT] for an inherited one);
// problems that are then the same are said once.
func (in inheritedKeys) locate(ps Problems) Problems {
	return locateOnce(ps, func(p *Problem) { p.Section, p.Msg = in.where(p.Section, p.Key, p.Msg) })
}

// locateNotices is locate for notices.
func (in inheritedKeys) locateNotices(ns []Notice) []Notice {
	return locateOnce(ns, func(n *Notice) { n.Section, n.Msg = in.where(n.Section, n.Key, n.Msg) })
}

// locateOnce applies fix to each item, in place, and drops the items equal to an earlier one.
func locateOnce[T comparable](items []T, fix func(*T)) []T {
	seen := map[T]bool{}
	out := items[:0]
	for _, it := range items {
		fix(&it)
		if !seen[it] {
			seen[it] = true
			out = append(out, it)
		}
	}
	return out
}
