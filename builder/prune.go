package builder

import (
	"context"
	"os"
	"path/filepath"

	"github.com/hashicorp/go-hclog"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/state"
)

// prune removes the logs and build files of the key's builds beyond the newest KEEP_LOGS:
// every file named <key>.<stem>.<build id>.<anything> (packer logs, smoke reports beside
// them, rendered templates, HCL2 variable files). Build ids contain no glob characters and
// are unique, so the patterns only match that build's files.
func prune(ctx context.Context, st *state.Store, cfg config.Builder, key string, log hclog.Logger) {
	ids, err := st.OlderThanNewest(ctx, key, cfg.KeepLogs)
	if err != nil {
		log.Warn("cannot prune old logs", "error", err)
		return
	}
	for _, id := range ids {
		for _, pat := range []string{
			filepath.Join(cfg.LogDir, key+".*."+id+".*"),
			filepath.Join(cfg.BuildFileDir, key+".*."+id+".*"),
		} {
			matches, _ := filepath.Glob(pat)
			for _, m := range matches {
				if err := os.Remove(m); err != nil && !os.IsNotExist(err) {
					log.Warn("cannot remove an old build file", "file", m, "error", err)
				}
			}
		}
	}
}
