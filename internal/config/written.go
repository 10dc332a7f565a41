package config

import (
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// A value with %(name)s references is shown as written, never as it expands: a reference may
// bring in a secret, and RABBIT_PORT = %(RABBIT_PW)s must not say that the password is not a
// whole number. So every problem and notice about such a key (Load's, Check's, check-config's)
// says "%(RABBIT_PW)s" where its message would hold the expansion, the expansion of any of its
// references (at every depth), or an item of one (list keys quote items); and the messages that
// quote a URL redact it as written (an expansion URL-escaped would escape this).

// refPair is what a value, or one of its references, expanded to, and how the file writes it;
// secret when the value is a secret key's (RABBIT_PW = %(pw)s) or the reference names one
// (%(RABBIT_PW)s): AsWritten then hides it however short it is.
type refPair struct {
	expanded, written string
	secret            bool
}

// writtenValues maps "section KEY" (upper case: the section that reads the key) to the pairs
// of a value read there that has references.
type writtenValues map[string][]refPair

// note records what key, read by section, is written as (raw) and expands to (val, trimmed), and refs,
// its references (marked secret by secretRefs); a value without references is shown as it is.
func (w writtenValues) note(section, key, raw, val string, refs []refPair) {
	id := section + " " + strings.ToUpper(key)
	if len(refs) == 0 {
		delete(w, id)
		return
	}
	pairs := []refPair{{val, strings.TrimSpace(raw), secretKey(key)}} // val is trimmed already (reader.lines)
	for _, p := range refs {
		pairs = append(pairs, p)
		// An item of a list is quoted alone; items of 1 or 2 characters are left (they say
		// nothing of a secret, and masking them would garble the message).
		if items := strings.FieldsFunc(p.expanded, listSeparator); len(items) > 1 {
			for _, it := range items {
				if len(it) > 2 {
					pairs = append(pairs, refPair{it, p.written, p.secret})
				}
			}
		}
	}
	var kept []refPair
	for _, p := range pairs {
		if p.expanded == "" || p.expanded == p.written {
			continue
		}
		forms := []refPair{p}
		// A path made absolute (abs) or joined with filepath.Join is cleaned: a "//", "/./" or
		// final "/" that a reference brought in is gone from what is shown (s3cret//pw showed
		// as s3cret/pw).
		if c := filepath.Clean(p.expanded); c != p.expanded && c != "." && c != p.written {
			forms = append(forms, refPair{c, p.written, p.secret})
		}
		for _, f := range forms {
			kept = append(kept, f)
			// Messages quote with %q: a quote, backslash or control character is then escaped.
			if q := quoted(f.expanded); q != f.expanded {
				kept = append(kept, refPair{q, quoted(f.written), f.secret})
			}
		}
	}
	w[id] = kept
}

// replacer shows each pair's expansion as written, the longest first (where one expansion
// holds another, the whole is shown as written), sorting pairs so.
func replacer(pairs []refPair) *strings.Replacer {
	sort.SliceStable(pairs, func(i, j int) bool { return len(pairs[i].expanded) > len(pairs[j].expanded) })
	args := make([]string, 0, 2*len(pairs))
	for _, p := range pairs {
		args = append(args, p.expanded, p.written)
	}
	return strings.NewReplacer(args...)
}

// quoted is s as %q shows it, without the surrounding quotes.
func quoted(s string) string {
	q := strconv.Quote(s)
	return q[1 : len(q)-1]
}

// listSeparator separates the items of a list value (reader.list).
func listSeparator(c rune) bool { return c == ',' || c == ' ' || c == '\t' || c == '\n' }

// value returns v, the value of key read by section (or a part of it), with what it expanded to
// shown as written: every expansion, however short (v is the value alone, nothing to garble).
func (w writtenValues) value(section, key, v string) string {
	pairs := w[section+" "+strings.ToUpper(key)]
	if len(pairs) == 0 || key == "" {
		return v
	}
	return replacer(pairs).Replace(v)
}

// hide returns s, a message about key read by section, with what the value expanded to shown as
// written, but for what is shown as it is in log lines (refPair.shownAsIs: "%(n)s000 is out of
// range 1..256" keeps its "1"), unless the same text is a secret's elsewhere in the file.
func (w writtenValues) hide(section, key, s string) string {
	pairs := w.hidden(w[section+" "+strings.ToUpper(key)])
	if len(pairs) == 0 || key == "" {
		return s
	}
	return replacer(pairs).Replace(s)
}

// hidden returns the pairs of pairs that are hidden in messages: those not shown as they are,
// and those whose expansion is a secret's anywhere in w.
func (w writtenValues) hidden(pairs []refPair) []refPair {
	var out []refPair
	for _, p := range pairs {
		if !p.shownAsIs() || w.secret(p.expanded) {
			out = append(out, p)
		}
	}
	return out
}

// secret says whether expanded is what a secret's reference, or a secret key's value, expanded to.
func (w writtenValues) secret(expanded string) bool {
	for _, ps := range w {
		for _, p := range ps {
			if p.secret && p.expanded == expanded {
				return true
			}
		}
	}
	return false
}

// problems hides the expansions in each problem's message (before inheritedKeys.locate, which
// moves an inherited key's problem to [DEFAULT]).
func (w writtenValues) problems(ps Problems) Problems {
	for i := range ps {
		ps[i].Msg = w.hide(ps[i].Section, ps[i].Key, ps[i].Msg)
	}
	return ps
}

// notices is problems for notices.
func (w writtenValues) notices(ns []Notice) []Notice {
	for i := range ns {
		ns[i].Msg = w.hide(ns[i].Section, ns[i].Key, ns[i].Msg)
	}
	return ns
}

// all is hide for text that may quote any key's value (the key is not known): every hidden
// expansion of every value with references is shown as written, longest first.
func (w writtenValues) all(s string) string {
	var pairs []refPair
	for _, ps := range w {
		pairs = append(pairs, w.hidden(ps)...)
	}
	if len(pairs) == 0 {
		return s
	}
	return replacer(pairs).Replace(s)
}

// AsWritten returns s, output that may quote values of the configuration (paths, names, errors
// naming them: check-config --online's results), with what any value's %(name)s references
// brought in shown as the file writes it, as Load's problems do: a reference may bring in a
// secret. What says nothing of a secret is left as it is (refPair.shownAsIs).
func (c *Config) AsWritten(s string) string {
	if c == nil {
		return s
	}
	return c.written.all(s)
}
