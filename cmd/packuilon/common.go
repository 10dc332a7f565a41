package main

import (
	"github.com/hashicorp/go-hclog"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/startup"
	"github.com/packuilon/packuilon/internal/state"
)

// logAs says where a command logs (see startup.Tag).
type logAs = startup.Tag

const (
	readOnly  = startup.ReadOnly
	asCommand = startup.Command
	asBuilder = startup.Builder
)

// setup loads the configuration at --config and builds the root logger. On failure it prints
// the problems (one per line, each naming file and key) and returns ok=false.
//
// From then on the command's messages on stderr (errors quoting an auth file's path, a URL)
// show what %(name)s references of the configuration brought in as written: it may be a secret.
func setup(env *cmdEnv, as logAs) (*config.Config, hclog.Logger, bool) {
	cfg, log, ok := startup.Setup(env.config, env.stderr, as)
	if ok {
		env.stderr = config.AsWrittenWriter(env.stderr) // each message is one Write (fmt.Fprintf, hclog)
	}
	return cfg, log, ok
}

// buildStore opens cfg's build store (STATE_DB), read-only when ro: the one place cmd opens it.
func buildStore(cfg *config.Config, ro bool, opts ...state.Option) (*state.Store, error) {
	opts = append([]state.Option{state.WithPasswordFile(cfg.Builder.StateDBPasswordFile)}, opts...)
	if ro {
		return state.OpenReadOnly(cfg.Builder.StateDB, opts...)
	}
	return state.Open(cfg.Builder.StateDB, opts...)
}
