package builder

import (
	"context"
	"os"
	"path/filepath"

	"github.com/hashicorp/go-hclog"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/state"
)

// prune removes the logs and build files of the key's builds beyond the newest KEEP_LOGS.
// Build ids contain no glob characters and keys are validated, so the patterns only match
// this key's files of that build.
func prune(ctx context.Context, st *state.Store, cfg config.Builder, key string, log hclog.Logger) {
	ids, err := st.OlderThanNewest(ctx, key, cfg.KeepLogs)
	if err != nil {
		log.Warn("cannot prune old logs", "error", err)
		return
	}
	for _, id := range ids {
		for _, pat := range []string{
			filepath.Join(cfg.LogDir, key+".*."+id+".log"),
			filepath.Join(cfg.BuildFileDir, key+".*."+id+".json"),
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
