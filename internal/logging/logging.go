// Package logging builds packuilon's root hclog logger: to stderr (with journald priority
// prefixes under systemd), or to syslog as the old scripts did; as text or JSON.
package logging

import (
	"fmt"
	"io"
	"log/syslog"
	"os"

	"github.com/hashicorp/go-hclog"
)

// Options say where, how and how much to log.
type Options struct {
	// Target is "stderr" (default) or "syslog".
	Target string
	// Level is an hclog level name; empty or unknown means info.
	Level string
	// Format is "text" (default) or "json".
	Format string
	// Tag is the syslog tag (the program name in /var/log/messages); default "packuilon". The
	// watcher and the builder use their own, packuilon-watch and packuilon-builder.
	Tag string
	// SyslogSocket is the syslog daemon's unix socket; empty means the system's (/dev/log).
	SyslogSocket string
	// Output replaces stderr for Target "stderr" (tests).
	Output io.Writer
	// Hide, if set, wraps the output, whatever the target, to rewrite each entry (hclog writes
	// one per Write): the programs show what %(name)s references of the configuration brought
	// in as written (config.AsWrittenWriter). The entry's syslog or journal priority is found
	// before, so that a rewritten level ("@level":"%(RABBIT_PW)s") keeps it.
	Hide func(io.Writer) io.Writer
}

// name is the root logger's name.
const name = "packuilon"

// New returns the root logger. For syslog, each line is sent at the priority of its level.
// On stderr under systemd (JOURNAL_STREAM names stderr), each line starts with the journald
// priority prefix ("<3>" for errors), so `journalctl -p err` finds them, and the time is left
// to the journal.
func New(o Options) (hclog.Logger, error) {
	level := hclog.LevelFromString(o.Level)
	if level == hclog.NoLevel {
		level = hclog.Info
	}
	tag := o.Tag
	if tag == "" {
		tag = name
	}
	hide := o.Hide
	if hide == nil {
		hide = func(w io.Writer) io.Writer { return w }
	}
	// The syslog and journal priorities are found on the entry as hclog wrote it, before hide.
	opts := &hclog.LoggerOptions{Name: name, Level: level, JSONFormat: o.Format == "json"}
	switch {
	case o.Target == "syslog":
		w, err := dialSyslog(o.SyslogSocket, tag)
		if err != nil {
			return nil, fmt.Errorf("connect to syslog: %w", err)
		}
		opts.Output = syslogWriter(w, hide)
		opts.DisableTime = true // syslog stamps the time itself
	case o.Output != nil:
		opts.Output = hide(o.Output)
	case journalStderr():
		opts.Output = journalWriter(os.Stderr, hide)
		opts.DisableTime = true // the journal stamps the time itself
	default:
		opts.Output = hide(os.Stderr)
	}
	return hclog.New(opts), nil
}

// dialSyslog connects to the system's syslog, or to the unix socket at path.
func dialSyslog(path, tag string) (*syslog.Writer, error) {
	if path == "" {
		return syslog.New(syslog.LOG_DAEMON|syslog.LOG_INFO, tag)
	}
	return syslog.Dial("unixgram", path, syslog.LOG_DAEMON|syslog.LOG_INFO, tag)
}
