package main

import (
	"fmt"
	"strings"
)

// exitError carries a command's exit status out of cobra. A nil err means the command already
// said why; usage adds a pointer to the command's help.
type exitError struct {
	code  int
	err   error
	usage bool
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// exit turns a command body's status into RunE's error: nil for 0.
func exit(code int) error {
	if code == 0 {
		return nil
	}
	return &exitError{code: code}
}

// usageError is exit status 2 with the reason and a pointer to the help.
func usageError(format string, args ...any) error {
	return &exitError{code: 2, err: fmt.Errorf(format, args...), usage: true}
}

// Lines of the "Exit status" section every command's help ends with.
const (
	exitOK     = "0  success"
	exitFailed = "1  failure (the reason is on stderr)"
	exitUsage  = "2  usage error: unknown command or flag, wrong arguments"
)

// exitStatus is the "Exit status" section of a command's help (also in its man page).
func exitStatus(lines ...string) string {
	return "\n\nExit status:\n  " + strings.Join(lines, "\n  ")
}
