// Package logging builds packuilon's root hclog logger: to stderr, or to syslog as the old
// scripts did.
package logging

import (
	"fmt"
	"log/syslog"
	"os"
	"strings"

	"github.com/hashicorp/go-hclog"
)

// Options say where and how much to log.
type Options struct {
	// Target is "stderr" (default) or "syslog".
	Target string
	// Level is an hclog level name; empty or unknown means info.
	Level string
}

// name is the root logger's name and the syslog tag, as the old scripts' program names were.
const name = "packuilon"

// New returns the root logger. For syslog, hclog's text format is written with the level
// mapped to the syslog priority.
func New(o Options) (hclog.Logger, error) {
	level := hclog.LevelFromString(o.Level)
	if level == hclog.NoLevel {
		level = hclog.Info
	}
	opts := &hclog.LoggerOptions{Name: name, Level: level, Output: os.Stderr}
	if o.Target == "syslog" {
		w, err := syslog.New(syslog.LOG_DAEMON|syslog.LOG_INFO, name)
		if err != nil {
			return nil, fmt.Errorf("connect to syslog: %w", err)
		}
		opts.Output = &levelWriter{w: w}
		opts.DisableTime = true // syslog stamps the time itself
	}
	return hclog.New(opts), nil
}

// levelWriter sends each hclog line to syslog at the priority of its level.
type levelWriter struct{ w *syslog.Writer }

func (l *levelWriter) Write(p []byte) (int, error) {
	s := string(p)
	var err error
	switch {
	case strings.Contains(s, "[ERROR]"):
		err = l.w.Err(s)
	case strings.Contains(s, "[WARN]"):
		err = l.w.Warning(s)
	case strings.Contains(s, "[DEBUG]"), strings.Contains(s, "[TRACE]"):
		err = l.w.Debug(s)
	default:
		err = l.w.Info(s)
	}
	return len(p), err
}
