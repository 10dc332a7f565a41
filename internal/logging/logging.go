// Package logging builds packuilon's root hclog logger: to stderr, or to syslog as the old
// scripts did.
package logging

import (
	"fmt"
	"io"
	"log/syslog"
	"os"
	"strings"

	"github.com/hashicorp/go-hclog"
)

// Options say where and how much to log.
type Options struct {
	// Target is "stderr" (default) or "syslog".
	Target string
	Level  string
	// Name is the program name used as the syslog tag and the root logger's name.
	Name string
	// JSON switches stderr output to JSON lines.
	JSON bool
}

// New returns the root logger. For syslog, hclog's text format is written with the level
// mapped to the syslog priority.
func New(o Options) (hclog.Logger, error) {
	if o.Name == "" {
		o.Name = "packuilon"
	}
	level := hclog.LevelFromString(o.Level)
	if level == hclog.NoLevel {
		level = hclog.Info
	}
	var out io.Writer = os.Stderr
	if o.Target == "syslog" {
		w, err := syslog.New(syslog.LOG_DAEMON|syslog.LOG_INFO, o.Name)
		if err != nil {
			return nil, fmt.Errorf("connect to syslog: %w", err)
		}
		return hclog.New(&hclog.LoggerOptions{
			Name:        o.Name,
			Level:       level,
			Output:      &levelWriter{w: w},
			DisableTime: true, // syslog stamps the time itself
		}), nil
	}
	return hclog.New(&hclog.LoggerOptions{
		Name:       o.Name,
		Level:      level,
		Output:     out,
		JSONFormat: o.JSON,
	}), nil
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
