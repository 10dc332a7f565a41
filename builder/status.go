package builder

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/sdnotify"
	"github.com/packuilon/packuilon/internal/state"
	"github.com/packuilon/packuilon/internal/web"
)

// statusInterval is how often the daemon refreshes systemd's STATUS= line.
const statusInterval = 5 * time.Second

// statusText is the daemon's one-line state for systemd (`systemctl status`): a broker
// problem first, else what the builds are doing ("2 builds running, 1 awaiting approval").
func statusText(ctx context.Context, st *state.Store, h *web.Health) string {
	if p := h.Problem(ctx); p != "" {
		return p
	}
	counts, err := st.CountStates(ctx)
	if err != nil {
		return "cannot read the build store: " + err.Error()
	}
	running := 0
	for s, n := range counts {
		if s != string(state.Queued) && s != string(state.AwaitingApproval) {
			running += n
		}
	}
	parts := []string{plural(running, "build") + " running"}
	if n := counts[string(state.Queued)]; n > 0 {
		parts = append(parts, fmt.Sprintf("%d queued", n))
	}
	if n := counts[string(state.AwaitingApproval)]; n > 0 {
		parts = append(parts, fmt.Sprintf("%d awaiting approval", n))
	}
	return strings.Join(parts, ", ")
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// reportStatus sends STATUS= whenever the text changes, until ctx is done.
func reportStatus(ctx context.Context, st *state.Store, h *web.Health, log hclog.Logger) {
	last := ""
	t := time.NewTicker(statusInterval)
	defer t.Stop()
	for {
		if s := config.AsWritten(statusText(ctx, st, h)); s != last && ctx.Err() == nil {
			last = s
			log.Debug("status", "status", s)
			_ = sdnotify.Notify("STATUS=" + s)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
