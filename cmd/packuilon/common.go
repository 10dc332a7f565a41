package main

import (
	"fmt"

	"github.com/hashicorp/go-hclog"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/logging"
	"github.com/packuilon/packuilon/internal/state"
)

// logAs says where a command logs: readOnly commands (status, show, render, check-config)
// always to stderr, whatever LOG_TARGET says, since their reader is at the terminal; the others
// where LOG_TARGET says, under their syslog tag.
type logAs string

const (
	readOnly  logAs = ""
	asCommand logAs = "packuilon"
	asBuilder logAs = "packuilon-builder"
	asWatcher logAs = "packuilon-watch"
)

// setup loads the configuration at --config and builds the root logger. On failure it prints
// the problems (one per line, each naming file and key) and returns ok=false.
func setup(env *cmdEnv, as logAs) (*config.Config, hclog.Logger, bool) {
	cfg, err := config.Load(env.config)
	if err != nil {
		fmt.Fprintf(env.stderr, "packuilon: configuration is not usable:\n%v\n", err)
		return nil, nil, false
	}
	g := cfg.Global
	o := logging.Options{Target: g.LogTarget, Level: g.LogLevel, Format: g.LogFormat, Tag: string(as), SyslogSocket: g.SyslogSocket}
	if as == readOnly {
		o.Target = "stderr"
	}
	log, err := logging.New(o)
	if err != nil {
		fmt.Fprintf(env.stderr, "packuilon: %v\n", err)
		return nil, nil, false
	}
	return cfg, log, true
}

// logNotices says at a daemon's start what the configuration does not do that the operator
// may expect (old keys not used, promotion off): one warning each. builder says whether the
// daemon builds (notices about builds only matter there).
func logNotices(cfg *config.Config, log hclog.Logger, builder bool) {
	for _, n := range cfg.Notices {
		if n.Builder && !builder {
			continue
		}
		log.Warn("configuration: "+n.Msg, "file", n.File, "section", n.Section, "key", n.Key)
	}
}

// buildStore opens cfg's build store (STATE_DB), read-only when ro: the one place cmd opens it.
func buildStore(cfg *config.Config, ro bool) (*state.Store, error) {
	if ro {
		return state.OpenReadOnly(cfg.Builder.StateDB, state.WithPasswordFile(cfg.Builder.StateDBPasswordFile))
	}
	return state.Open(cfg.Builder.StateDB, state.WithPasswordFile(cfg.Builder.StateDBPasswordFile))
}
