// Package netrc reads the login and password for a host from a netrc file (the format of
// curl, wget and ftp: "machine HOST login USER password PASS", and "default").
//
// It is small and hand-written: the Go modules for it either run gpg on a .gpg file or panic on
// a file cut short after "machine"; here a malformed file is an error naming the line.
package netrc

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strings"
)

// Entry is the login and password of one machine.
type Entry struct {
	Login    string
	Password string
}

// Find returns the entry of host in the netrc file at path: the first "machine host", else the
// "default" entry; ok is false when neither exists.
func Find(path, host string) (e Entry, ok bool, err error) {
	entries, err := Load(path)
	if err != nil {
		return Entry{}, false, err
	}
	e, ok = Lookup(entries, host)
	return e, ok, nil
}

// Load reads and parses the netrc file at path (Parse), for several Lookups of one read.
func Load(path string) (map[string]Entry, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	entries, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return entries, nil
}

// Lookup returns the entry of host in entries (from Parse): the first "machine host", else the
// "default" entry; ok is false when neither exists.
func Lookup(entries map[string]Entry, host string) (Entry, bool) {
	if e, ok := entries[host]; ok {
		return e, true
	}
	e, ok := entries[""]
	return e, ok
}

// Parse reads a netrc file into its entries by machine name; "default" is under "". The first
// entry of a machine wins, as curl does. "#" starts a comment to the end of the line; macdef
// bodies (up to an empty line) are skipped.
func Parse(data []byte) (map[string]Entry, error) {
	entries := map[string]Entry{}
	var (
		cur     *Entry
		curName string
	)
	flush := func() {
		if cur != nil {
			if _, dup := entries[curName]; !dup {
				entries[curName] = *cur
			}
		}
		cur = nil
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	lineNo := 0
	inMacro := false
	var pending string // a keyword waiting for its value
	for sc.Scan() {
		lineNo++
		line := sc.Text()
		if inMacro {
			if strings.TrimSpace(line) == "" {
				inMacro = false
			}
			continue
		}
		if i := strings.Index(line, "#"); i >= 0 && (i == 0 || line[i-1] == ' ' || line[i-1] == '\t') {
			line = line[:i]
		}
		for word, tok := range strings.Fields(line) {
			if pending != "" {
				switch pending {
				case "machine":
					flush()
					cur, curName = &Entry{}, tok
				case "login":
					cur.Login = tok
				case "password":
					cur.Password = tok
				case "macdef":
					inMacro = true
				}
				pending = ""
				continue
			}
			switch tok {
			case "machine", "macdef":
				pending = tok
			case "default":
				flush()
				cur, curName = &Entry{}, ""
			case "login", "password", "account":
				if cur == nil {
					return nil, fmt.Errorf("line %d: %q before any machine", lineNo, tok)
				}
				pending = tok
			default:
				// The word is not quoted: in a malformed file it may be the rest of a password.
				return nil, fmt.Errorf("line %d: word %d is not a netrc keyword (machine, default, login, password, account, macdef)", lineNo, word+1)
			}
		}
		if inMacro {
			pending = ""
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if pending != "" {
		return nil, fmt.Errorf("line %d: %q without a value", lineNo, pending)
	}
	flush()
	return entries, nil
}
