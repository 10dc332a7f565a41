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

// ReportDir is the directory for reports that have no build log to sit beside (packuilon smoke,
// a build whose record has no log): [rally-image-testing] LOG_DIR, else [rabbit2packer] LOG_DIR.
// It is "" when both are empty; callers fail then rather than write to the working directory.
func ReportDir(cfg *config.Config) string {
	if cfg.Rally.LogDir != "" {
		return cfg.Rally.LogDir
	}
	return cfg.Builder.LogDir
}
