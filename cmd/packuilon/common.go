package main

import (
	"fmt"

	"github.com/hashicorp/go-hclog"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/logging"
)

// setup loads the configuration at --config and builds the root logger. A read-only command
// (status, show, render, check-config) always logs to stderr, whatever LOG_TARGET says: its
// reader is the person at the terminal. On failure it prints the problems (one per line, each
// naming file and key) and returns ok=false.
func setup(env *cmdEnv, readOnly bool) (*config.Config, hclog.Logger, bool) {
	cfg, err := config.Load(env.config)
	if err != nil {
		fmt.Fprintf(env.stderr, "packuilon: configuration is not usable:\n%v\n", err)
		return nil, nil, false
	}
	o := logging.Options{Target: cfg.Global.LogTarget, Level: cfg.Global.LogLevel}
	if readOnly {
		o.Target = "stderr"
	}
	log, err := logging.New(o)
	if err != nil {
		fmt.Fprintf(env.stderr, "packuilon: %v\n", err)
		return nil, nil, false
	}
	return cfg, log, true
}
