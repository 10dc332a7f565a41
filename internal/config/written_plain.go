package config

import (
	"strconv"
	"strings"
	"time"
)

// Which expansions are hidden. A value that a %(name)s reference brought in is shown as
// written (hidden) unless it says nothing of a secret and hiding it would garble every line
// that holds it: it is left as it is when it comes from no secret (refPair.secret: neither its
// key nor the reference names a secret) and it is
//   - under 4 characters, or a number under 6 digits (THREAD_COUNT = %(n)s, a port), or
//   - a plain word: a log level (LOG_LEVEL = %(level)s with level = info: hiding "info" would
//     garble every JSON line's "@level" and lose its journal priority), a boolean (true, yes,
//     off), or a duration or size with under 6 digits (300s, 1h30m, 64M).
//
// Anything else (a path, a name, a longer number) may be a secret of a name that does not say
// so, and is hidden. A secret is hidden whatever it is: garbled lines are better than a
// password shown.

// shownAsIs says whether p's expansion is left as it is in every line and message.
func (p refPair) shownAsIs() bool {
	return !p.secret && (len(p.expanded) < 4 || plainWord(p.expanded))
}

// plainWords are the log levels and booleans the configuration takes (in lower case).
var plainWords = map[string]bool{
	"trace": true, "debug": true, "info": true, "warn": true, "warning": true, "error": true, "off": true,
	"true": true, "false": true, "yes": true, "no": true, "on": true,
}

// plainWord says whether s is a log level, a boolean (any case), or a number, duration or size
// with under 6 digits.
func plainWord(s string) bool {
	if plainWords[strings.ToLower(s)] {
		return true
	}
	digits := 0
	for _, c := range s {
		if c >= '0' && c <= '9' {
			digits++
		}
	}
	if digits == 0 || digits > 5 {
		return false
	}
	if _, err := time.ParseDuration(s); err == nil {
		return true
	}
	n := strings.TrimRight(s, "KMGTiBb")
	if len(s)-len(n) > 3 {
		return false
	}
	_, err := strconv.ParseFloat(n, 64)
	return err == nil
}
