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
			return pageDeny(ctx, st, cfg.Load(), id, who, reason, notified, log)
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

// pageDeny denies a build from the page and marks its candidates. The denial and the marking
// run on in the background when the page gives up waiting (ctx's deadline): a denial the store
// records late, after the page said it may or may not be recorded, still has its candidates
// marked and build.denied queued; given up with the page, it would be recorded with neither,
// and a second deny is refused. The page waits for the denial's write up to its deadline and,
// once it is recorded, for the marking (Recorded: under deadlines of its own, up to
// denyClaimWait for the keys' claims, and Glance's). cfg is held (Config.Hold) until the
// background work ends: what it logs stays hidden however many reloads come meanwhile.
func pageDeny(ctx context.Context, st *state.Store, cfg *config.Config, id, who, reason string, notified func(), log hclog.Logger) error {
	bg := context.WithoutCancel(ctx)
	recorded := make(chan error, 1)
	marked := make(chan error, 1)
	release := cfg.Hold()
	go func() {
		defer notified()
		defer release()
		rec, err := st.Deny(bg, id, who, reason)
		recorded <- err
		if err != nil {
			return
		}
		marked <- denied(bg, cfg, st, rec, who, reason, log)
	}()
	select {
	case err := <-recorded:
		if err != nil {
			return err
		}
		return web.Recorded(<-marked)
	case <-ctx.Done():
		go func() {
			if err := <-recorded; err != nil {
				log.Error("page deny given up by the page, then refused", "build_id", id, "user", who, "error", err)
				return
			}
			if err := <-marked; err != nil {
				log.Error("page deny given up by the page, then recorded; its candidates are not all marked", "build_id", id, "error", err)
				return
			}
			log.Info("page deny given up by the page, then recorded and its candidates marked", "build_id", id, "user", who)
		}()
		return ctx.Err()
	}
}
