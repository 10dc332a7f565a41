package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// pageActionTimeout bounds a button's action (approve, deny, retry, cancel). Its write to the
// build store takes milliseconds; on a silent network cut to a PostgreSQL store (packets
// dropped, nothing reset) the POST would wait minutes for TCP keepalive. After this the page
// says that the store gave no answer.
const pageActionTimeout = 10 * time.Second

func (p *Page) actionTimeout() time.Duration {
	if p.ActionTimeout > 0 {
		return p.ActionTimeout
	}
	return pageActionTimeout
}

// recordedError is an action's failure after its write was recorded.
type recordedError struct{ err error }

func (e recordedError) Error() string { return e.err.Error() }
func (e recordedError) Unwrap() error { return e.err }

// Recorded marks err as a failure of an action after its write was recorded (deny's marking of
// candidates, under its own deadlines): the page shows it as a failure after the action was
// recorded (500), never as a refusal nor as the store's silence, even when it comes after the
// action's timeout. nil returns nil.
func Recorded(err error) error {
	if err == nil {
		return nil
	}
	return recordedError{err}
}

// act performs a button's action: authenticated, CSRF-checked, then back to the build.
func (p *Page) act(w http.ResponseWriter, r *http.Request, id, action string) {
	if p.Auth == nil {
		http.Error(w, "the status page is read-only (no HTTP_AUTH_FILE)", http.StatusForbidden)
		return
	}
	who, err := p.Auth.User(r)
	if err != nil {
		p.challenge(w)
		return
	}
	if !p.Auth.CheckToken(action, id, r.PostFormValue("csrf")) {
		http.Error(w, "stale or forged form; reload the page", http.StatusForbidden)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), p.actionTimeout())
	defer cancel()
	switch action {
	case "approve":
		err = p.Actions.Approve(ctx, id, who)
	case "deny":
		reason := strings.TrimSpace(r.PostFormValue("reason"))
		if reason == "" {
			http.Error(w, "a denial needs a reason", http.StatusBadRequest)
			return
		}
		err = p.Actions.Deny(ctx, id, who, reason)
	case "retry":
		err = p.Actions.Retry(ctx, id, who)
	case "cancel":
		err = p.Actions.Cancel(ctx, id, who)
	default:
		http.NotFound(w, r)
		return
	}
	page := "/build/" + url.PathEscape(id)
	var recorded recordedError
	switch {
	case errors.As(err, &recorded):
		// The action is recorded: saying it was refused (409) would be untrue.
		p.Log.Error("page action recorded, then failed", "action", action, "build_id", id, "user", who, "error", err)
		p.failBack(w, http.StatusInternalServerError, err, page)
	case err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded):
		// A write given up may still have committed: the page must not say it failed.
		err = fmt.Errorf("no answer from the build store in %s: the %s may or may not have been recorded; reload the build's page to see: %w",
			p.actionTimeout(), action, err)
		p.Log.Warn("page action: no answer from the build store", "action", action, "build_id", id, "user", who, "error", err)
		p.failBack(w, http.StatusGatewayTimeout, err, page)
	case err != nil:
		p.Log.Warn("page action refused", "action", action, "build_id", id, "user", who, "error", err)
		p.fail(w, http.StatusConflict, err)
	default:
		p.Log.Info("page action", "action", action, "build_id", id, "user", who)
		http.Redirect(w, r, page+"?done="+url.QueryEscape(action), http.StatusSeeOther)
	}
}
