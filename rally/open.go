package rally

import (
	"context"

	"github.com/hashicorp/go-hclog"

	"github.com/packuilon/packuilon/internal/config"
)

// Open returns the Tester [smoke] METHOD chooses: the Rally runner, the built-in boot test, or
// nil for none (candidates are promoted untested, as before smoke testing existed).
func Open(ctx context.Context, cfg *config.Config, getenv func(string) string, log hclog.Logger) (Tester, error) {
	switch cfg.Smoke.Method {
	case config.SmokeRally:
		return NewRunner(cfg.Rally, log), nil
	case config.SmokeBoot:
		return OpenBootTest(ctx, cfg.Smoke, getenv, log)
	}
	return nil, nil
}
