package main

import (
	"fmt"

	"github.com/hashicorp/go-hclog"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/logging"
)

// setup loads the configuration and builds the root logger. On failure it prints the problems
// (one per line, each naming file and key) and returns ok=false.
func setup(env *cmdEnv, path string) (*config.Config, hclog.Logger, bool) {
	cfg, err := config.Load(path)
	if err != nil {
		fmt.Fprintf(env.stderr, "packuilon: configuration is not usable:\n%v\n", err)
		return nil, nil, false
	}
	log, err := logging.New(logging.Options{Target: cfg.Global.LogTarget, Level: cfg.Global.LogLevel})
	if err != nil {
		fmt.Fprintf(env.stderr, "packuilon: %v\n", err)
		return nil, nil, false
	}
	return cfg, log, true
}
