package config

import (
	"fmt"
	"strings"
)

// Problem is one thing wrong with a configuration file.
type Problem struct {
	File    string
	Section string
	Key     string
	Msg     string
}

// Error prints "file: [section] KEY: message".
func (p Problem) Error() string {
	switch {
	case p.Key != "":
		return fmt.Sprintf("%s: [%s] %s: %s", p.File, p.Section, p.Key, p.Msg)
	case p.Section != "":
		return fmt.Sprintf("%s: [%s]: %s", p.File, p.Section, p.Msg)
	default:
		return fmt.Sprintf("%s: %s", p.File, p.Msg)
	}
}

// Problems is every problem found in a configuration; it is the error Load returns.
type Problems []Problem

// Error prints one problem per line.
func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.Error()
	}
	return strings.Join(lines, "\n")
}
