package builder

import (
	"context"
	"net/http"
	"sync/atomic"

	"github.com/hashicorp/go-hclog"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/notify"
	"github.com/packuilon/packuilon/internal/state"
	"github.com/packuilon/packuilon/internal/web"
)

// statusPage is the daemon's status page on HTTP_LISTEN. With HTTP_AUTH_FILE its buttons do
// what the commands do (approve, deny, retry, cancel), as the user who logged in, their writes
// to the store bounded by the page's action timeout; an auth file
// that cannot be read leaves the page read-only, with an error in the log.
func statusPage(st *state.Store, cfg *atomic.Pointer[config.Config], poke, notified func(), log hclog.Logger) http.Handler {
	p := &web.Page{Store: st, Log: log.Named("page")}
	if file := cfg.Load().BuilderHTTP.AuthFile; file != "" {
		a, err := web.NewAuth(file)
		if err != nil {
			log.Error("the status page is read-only", "error", err)
			return p
		}
		a.Log = log.Named("auth")
		p.Auth = a
	}
	p.Actions = web.Actions{
		Approve: func(ctx context.Context, id, who string) error {
			_, err := st.Approve(ctx, id, who)
			poke()
			return err
		},
		Deny: func(ctx context.Context, id, who, reason string) error {
			defer notified()
			rec, err := st.Deny(ctx, id, who, reason)
			if err != nil {
				return err
			}
			// Recorded: the marking of its candidates waits for their keys' claims (up to
			// denyClaimWait) and for Glance, under deadlines of its own, not the page's.
			return web.Recorded(denied(context.WithoutCancel(ctx), cfg.Load(), st, rec, who, reason, log))
		},
		Retry: func(ctx context.Context, id, _ string) error {
			_, err := st.Retry(ctx, id)
			poke()
			return err
		},
		Cancel: func(ctx context.Context, id, who string) error {
			rec, running, err := st.Cancel(ctx, id, who)
			if err == nil && !running {
				c := cfg.Load()
				if qerr := notify.Queue(ctx, st, c.Notify, BuildEvent(config.EventBuildCancelled, rec, nil, c.Promote)); qerr != nil {
					log.Error("cannot queue a notification", "build_id", id, "error", qerr)
				}
				notified()
			}
			poke()
			return err
		},
	}
	return p
}
