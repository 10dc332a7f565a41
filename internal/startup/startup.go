// Package startup is what every packuilon program does first: load the configuration, build the
// root logger and say what the configuration does not do. It is shared by cmd/packuilon and the
// one-shot scan (internal/oneshot, the small packuilon-watch-once binary), so it links only
// internal/config and internal/logging.
package startup

import (
	"fmt"
	"io"

	"github.com/hashicorp/go-hclog"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/logging"
)

// DefaultConfig is where the packages install config.ini: every program's default --config.
const DefaultConfig = "/etc/packer-utils/config.ini"

// Tag says where a program logs: ReadOnly commands (status, show, render, check-config) always
// to stderr, whatever LOG_TARGET says, since their reader is at the terminal; the others where
// LOG_TARGET says, under the tag (their syslog tag).
type Tag string

// The tags packuilon's programs log under.
const (
	ReadOnly Tag = ""
	Command  Tag = "packuilon"
	Builder  Tag = "packuilon-builder"
	Watcher  Tag = "packuilon-watch"
)

// Setup loads the configuration at path and builds the root logger. On failure it prints the
// problems to stderr (one per line, each naming file and key) and returns ok=false.
func Setup(path string, stderr io.Writer, as Tag) (*config.Config, hclog.Logger, bool) {
	cfg, err := config.Load(path)
	if err != nil {
		fmt.Fprintf(stderr, "packuilon: configuration is not usable:\n%v\n", err)
		return nil, nil, false
	}
	g := cfg.Global
	// Log lines quote paths and values of the configuration (an auth file, a URL): what their
	// %(name)s references brought in, which may be a secret, is shown as written.
	o := logging.Options{Target: g.LogTarget, Level: g.LogLevel, Format: g.LogFormat, Tag: string(as), SyslogSocket: g.SyslogSocket,
		Hide: config.AsWrittenWriter}
	if as == ReadOnly {
		o.Target = "stderr"
	}
	log, err := logging.New(o)
	if err != nil {
		fmt.Fprintf(stderr, "packuilon: %v\n", err)
		return nil, nil, false
	}
	return cfg, log, true
}

// LogNotices says at a program's start what the configuration does not do that the operator
// may expect (old keys not used, promotion off): one warning each. builder says whether the
// program builds (notices about builds only matter there).
func LogNotices(cfg *config.Config, log hclog.Logger, builder bool) {
	for _, n := range cfg.Notices {
		if n.Builder && !builder {
			continue
		}
		log.Warn("configuration: "+n.Msg, "file", n.File, "section", n.Section, "key", n.Key)
	}
}
