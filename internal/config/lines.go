package config

import (
	"errors"
	"fmt"
	"strings"
	"unicode"

	"gopkg.in/ini.v1"
)

// The old scripts' configparser and go-ini see the lines of a file differently, so the file's
// lines are first sorted as configparser did (its RawConfigParser._read, with the defaults
// SafeConfigParser had), and go-ini reads the rest:
//   - a line indented deeper than the line of its key continues the key's value: configparser
//     joined the lines, stripped, with "\n", kept the empty lines inside (not the last ones) and
//     skipped the comment lines ("#" or ";" first, indented or not). go-ini's
//     AllowPythonMultilineValues does not do the same: it keeps each line's indent, ends the
//     value at an empty line or a comment, adds indented comments to the value, and takes an
//     indented key under an indented key for a continuation;
//   - a section opened twice ([DEFAULT] excepted) or a key set twice in a section (names of
//     keys in any case) made configparser (strict) refuse the file; go-ini merges them, the last
//     value winning: each is a problem naming its line and the first one.
// go-ini still reads every line that is not a continuation; the value of a key with
// continuation lines is configparser's (its first line is not unquoted as go-ini would).

// lines is a configuration file as configparser saw it.
type lines struct {
	path string
	// data is the file with its continuation lines emptied, for go-ini; line numbers are kept.
	data []byte
	// joined are the keys whose value continues on other lines.
	joined []joinedValue
	// problems are the duplicate sections and keys.
	problems Problems
}

// joinedValue is the value of a key spread over lines.
type joinedValue struct {
	section, key string // key as written
	line         int
	value        string
}

// scan sorts the lines of data (a file at path) as configparser did.
func scan(path string, data []byte) *lines {
	text := strings.Split(strings.TrimPrefix(string(data), "\ufeff"), "\n")
	out := &lines{path: path}
	sections := map[string]int{} // section -> line it was opened on
	keys := map[string]int{}     // section + " " + lower-case key -> line it was set on
	section := defaultSection    // go-ini files a key above every section under [DEFAULT]
	var cur *joinedValue         // the key whose value may go on
	var parts []string           // cur's lines: its first value, then continuation lines
	level := 0                   // indent of the last key or section line
	end := func() {
		if cur != nil && len(parts) > 1 {
			cur.value = strings.TrimRightFunc(strings.Join(parts, "\n"), unicode.IsSpace)
			if strings.Contains(cur.value, "\n") {
				out.joined = append(out.joined, *cur)
			}
		}
		cur, parts = nil, nil
	}
	for i, l := range text {
		n := i + 1
		l = strings.TrimSuffix(l, "\r")
		trimmed := strings.TrimSpace(l)
		indent := strings.IndexFunc(l, func(r rune) bool { return !unicode.IsSpace(r) })
		switch {
		case trimmed == "":
			if cur != nil {
				parts = append(parts, "")
			}
			continue
		case trimmed[0] == '#' || trimmed[0] == ';':
			continue
		case cur != nil && indent > level:
			parts = append(parts, trimmed)
			text[i] = ""
			continue
		}
		end()
		level = indent
		if trimmed[0] == '[' {
			if c := strings.LastIndexByte(trimmed, ']'); c > 1 {
				section = trimmed[1:c]
				if first, ok := sections[section]; ok && section != defaultSection {
					out.problems = append(out.problems, Problem{File: path, Section: section,
						Msg: fmt.Sprintf("line %d opens the section again (first on line %d): configparser refused such a file; merge them", n, first)})
				} else if !ok {
					sections[section] = n
				}
			}
			continue
		}
		d := strings.IndexAny(trimmed, "=:")
		if d < 0 {
			continue // not key = value: go-ini says so
		}
		key := strings.TrimSpace(trimmed[:d])
		id := section + " " + strings.ToLower(key)
		if first, ok := keys[id]; ok {
			out.problems = append(out.problems, Problem{File: path, Section: section, Key: key,
				Msg: fmt.Sprintf("line %d sets the key again (first on line %d): configparser refused such a file; keep one", n, first)})
		} else {
			keys[id] = n
		}
		cur, parts = &joinedValue{section: section, key: key, line: n}, []string{strings.TrimSpace(trimmed[d+1:])}
	}
	end()
	out.data = []byte(strings.Join(text, "\n"))
	return out
}

// load reads the file with go-ini and opts, with configparser's values for the keys whose
// value continues on other lines.
func (ls *lines) load(opts ini.LoadOptions) (*ini.File, error) {
	f, err := ini.LoadSources(opts, ls.data)
	if err != nil {
		return nil, err
	}
	for _, j := range ls.joined {
		s, err := f.GetSection(j.section)
		if err == nil && s.HasKey(j.key) {
			s.Key(j.key).SetValue(j.value)
			continue
		}
		// go-ini read the key's name otherwise (quotes around it): say so rather than keep its
		// first line only.
		return nil, Problem{File: ls.path, Msg: fmt.Sprintf("line %d: the name of its key is not read as configparser did "+
			"(quotes around it?), so its value on the lines below cannot be", j.line)}
	}
	return f, nil
}

// unreadable is the problem of a file load cannot read.
func (ls *lines) unreadable(err error, opts ini.LoadOptions) Problems {
	var p Problem
	if errors.As(err, &p) {
		return Problems{p}
	}
	return Problems{{File: ls.path, Msg: iniError(ls.data, opts)}}
}
