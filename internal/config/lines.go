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
//   - a value is the text after the first "=" or ":", stripped, quotes and all: go-ini strips
//     the quotes around a value ("abc" or 'abc'), and reads a value opening with a backtick or
//     three double quotes as a quoted block, up to the closing one, lines below included (or
//     refuses the file when there is none). A password written "abc" was those 5 characters
//     for the old scripts.
// go-ini still reads the sections and the keys' names; every value is configparser's (go-ini
// is given each key line without its value, so it interprets none).

// lines is a configuration file as configparser saw it.
type lines struct {
	path string
	// data is the file with its continuation lines emptied and its values cut off, for go-ini;
	// line numbers are kept.
	data []byte
	// values are the keys' values as configparser read them, in file order.
	values []keyValue
	// problems are the duplicate sections and keys.
	problems Problems
}

// keyValue is the value of a key (over one line or several).
type keyValue struct {
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
	var cur *keyValue            // the key whose value may go on
	var parts []string           // cur's lines: its first value, then continuation lines
	level := 0                   // indent of the last key or section line
	end := func() {
		if cur != nil {
			cur.value = strings.TrimRightFunc(strings.Join(parts, "\n"), unicode.IsSpace)
			out.values = append(out.values, *cur)
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
		cur, parts = &keyValue{section: section, key: key, line: n}, []string{strings.TrimSpace(trimmed[d+1:])}
		text[i] = l[:indent+d+1] // go-ini reads the key and an empty value
	}
	end()
	out.data = []byte(strings.Join(text, "\n"))
	return out
}

// load reads the file with go-ini and opts, with configparser's values.
func (ls *lines) load(opts ini.LoadOptions) (*ini.File, error) {
	f, err := ini.LoadSources(opts, ls.data)
	if err != nil {
		return nil, err
	}
	for _, j := range ls.values {
		s, err := f.GetSection(j.section)
		if err == nil && s.HasKey(j.key) {
			s.Key(j.key).SetValue(j.value)
			continue
		}
		// go-ini read the key's name otherwise (quotes around it): say so rather than lose or
		// misfile its value.
		return nil, Problem{File: ls.path, Msg: fmt.Sprintf("line %d: the name of its key is not read as configparser did "+
			"(quotes around it?), so its value cannot be", j.line)}
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

// quoteNotices says which values are read with the quotes an earlier packuilon (go-ini)
// dropped or read as a block: the values are not shown (they may be secrets).
func (ls *lines) quoteNotices() []Notice {
	var ns []Notice
	for _, v := range ls.values {
		q := v.value
		wrapped := len(q) >= 2 && (q[0] == '"' || q[0] == '\'') && q[len(q)-1] == q[0]
		if wrapped || strings.HasPrefix(q, "`") || strings.HasPrefix(q, `"""`) {
			ns = append(ns, Notice{File: ls.path, Section: v.section, Key: v.key,
				Msg: "the value is read with its quotes, as configparser did (earlier packuilon versions dropped them); not shown: it may hold a secret"})
		}
	}
	return ns
}
