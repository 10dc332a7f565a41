package config

import (
	"fmt"
	"os"
	"os/user"
	"strconv"
	"strings"

	"github.com/agnivade/levenshtein"
	"gopkg.in/ini.v1"
)

// known is every section Load reads and, per section, every key it asks for (upper case).
type known map[string]map[string]bool

func (k known) add(section, key string) {
	if k[section] == nil {
		k[section] = map[string]bool{}
	}
	if key != "" {
		k[section][strings.ToUpper(key)] = true
	}
}

// freeSections hold keys of the site's choosing (image keys), never unknown.
var freeSections = map[string]bool{"rally-tasks": true}

// unknownKeys reports the sections and keys of the file that Load never asked for, with the
// nearest known name: "[rabbit2packer] THREAD_CUONT: unknown key; did you mean THREAD_COUNT?".
// f is the file with keys as written, so the message shows the typo as typed.
func unknownKeys(path string, f *ini.File, kn known) Problems {
	for _, lk := range LegacyKeys() {
		if sec, key, ok := strings.Cut(lk, " "); ok {
			kn.add(sec, key)
		}
	}
	kn.add(defaultSection, "") // so that [default] or [DEFALT] is pointed to it
	var ps Problems
	for _, s := range f.Sections() {
		name := s.Name()
		if name == defaultSection {
			ps = append(ps, unknownDefaults(path, s, kn)...)
			continue
		}
		keys, ok := kn[name]
		if !ok {
			ps = append(ps, Problem{File: path, Section: name, Msg: "unknown section" + suggestSection(name, kn)})
			continue
		}
		if freeSections[name] {
			continue
		}
		for _, k := range s.KeyStrings() {
			if !keys[strings.ToUpper(k)] {
				ps = append(ps, Problem{File: path, Section: name, Key: k, Msg: "unknown key" + suggestKey(name, k, kn)})
			}
		}
	}
	return ps
}

// unknownDefaults reports the keys of [DEFAULT] that no section reads and no %(name)s names,
// once each, with the nearest key of any section.
func unknownDefaults(path string, s *ini.Section, kn known) Problems {
	var ps Problems
	for _, k := range s.KeyStrings() {
		up := strings.ToUpper(k)
		used := false
		for name, keys := range kn {
			used = used || keys[up] && !freeSections[name]
		}
		if !used {
			ps = append(ps, Problem{File: path, Section: defaultSection, Key: k, Msg: "unknown key (no section reads it)" + suggestAnyKey(up, kn)})
		}
	}
	return ps
}

// suggestAnyKey is "; did you mean KEY?" for the nearest key of any section, or "".
func suggestAnyKey(up string, kn known) string {
	best, bestD := "", 1<<30
	for name, keys := range kn {
		for k := range keys {
			if d, ok := near(up, k); ok && !freeSections[name] && (d < bestD || d == bestD && k < best) {
				best, bestD = k, d
			}
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf("; did you mean %s?", best)
}

// near reports whether a is a likely typo of b: at most 2 edits, or a third of the length.
func near(a, b string) (int, bool) {
	d := levenshtein.ComputeDistance(a, b)
	return d, d <= 2 || d <= len(b)/3
}

// suggestKey is "; did you mean KEY?" for the nearest key of the section, or "; it belongs in
// [other]" for a key of another section, or "".
func suggestKey(section, key string, kn known) string {
	up := strings.ToUpper(key)
	best, bestD := "", 1<<30
	for k := range kn[section] {
		if d, ok := near(up, k); ok && (d < bestD || d == bestD && k < best) {
			best, bestD = k, d
		}
	}
	if best != "" {
		return fmt.Sprintf("; did you mean %s?", best)
	}
	for s, keys := range kn {
		if s != section && keys[up] {
			return fmt.Sprintf("; it belongs in [%s]", s)
		}
	}
	return ""
}

// suggestSection is "; did you mean [name]?" for the nearest known section, or "".
func suggestSection(name string, kn known) string {
	best, bestD := "", 1<<30
	for s := range kn {
		if d, ok := near(strings.ToLower(name), strings.ToLower(s)); ok && (d < bestD || d == bestD && s < best) {
			best, bestD = s, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf("; did you mean [%s]?", best)
}

// CheckFile is check-config: everything wrong with the configuration at path at once, values,
// unknown sections and keys, and the files it names (Check). cfg is nil when the file cannot
// be read or parsed. A value that is a problem is not reported a second time by Check (which
// sees its default in its place).
func CheckFile(path string) (*Config, Problems) {
	cfg, ps := load(path)
	if cfg == nil {
		return nil, ps
	}
	bad := map[string]bool{}
	for _, p := range ps {
		bad[p.Section+" "+p.Key] = true
	}
	ps = append(ps, cfg.unknown...)
	for _, p := range AsProblems(Check(cfg)) {
		if !bad[p.Section+" "+p.Key] {
			ps = append(ps, p)
		}
	}
	return cfg, ps
}

// currentUser names the effective user, for "cannot read" messages.
func currentUser() string {
	id := strconv.Itoa(os.Geteuid())
	if u, err := user.LookupId(id); err == nil {
		return u.Username
	}
	return "uid " + id
}
