package builder

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/state"
	"github.com/packuilon/packuilon/internal/testenv"
	"github.com/packuilon/packuilon/internal/web"
)

// TestPageAnswersWhileTheStoreIsSilent: with its PostgreSQL store gone silent (a real proxy
// drops every byte, resets nothing), the status page and a build's page answer 500 saying the
// store gave no answer in the page's read timeout, and log it, instead of waiting for TCP
// keepalive; once the store answers again, so does the page.
func TestPageAnswersWhileTheStoreIsSilent(t *testing.T) {
	st, proxy, log, buf := storeThroughProxy(t)
	rec, _, err := st.Intake(context.Background(), request("silent", "sha256:silent"), "")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(&web.Page{Store: st, Log: log, ReadTimeout: 500 * time.Millisecond})
	defer srv.Close()
	get := func(path string) (code int, body string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		return silentAnswer(t, proxy, path, req)
	}
	proxy.Stall()
	for _, path := range []string{"/", "/build/" + rec.ID} {
		code, body := get(path)
		if code != http.StatusInternalServerError || !strings.Contains(body, "no answer from the build store in 500ms") {
			t.Errorf("%s with the store silent: %d\n%s", path, code, body)
		}
	}
	if n := buf.Lines("status page: cannot read from the build store"); n != 2 {
		t.Errorf("%d failed reads logged, want 2:\n%s", n, buf)
	}
	if err := proxy.Restore(); err != nil {
		t.Fatal(err)
	}
	if code, body := get("/"); code != http.StatusOK || !strings.Contains(body, rec.ID) {
		t.Errorf("/ once the store answers again: %d\n%s", code, body)
	}
}

// TestPageActionAnswersWhileTheStoreIsSilent: a button pressed while the PostgreSQL store is
// silent (a real proxy drops every byte, resets nothing) answers 504 at the page's action
// timeout, saying the store gave no answer and that the action may or may not have been
// recorded (a write given up may have committed), with a link to reload the build's page, and
// logs it, instead of waiting for TCP keepalive; once the store answers, the button works.
func TestPageActionAnswersWhileTheStoreIsSilent(t *testing.T) {
	st, proxy, log, buf := storeThroughProxy(t)
	rec, _, err := st.Intake(context.Background(), request("silentact", "sha256:silentact"), "")
	if err != nil {
		t.Fatal(err)
	}
	var cfg atomic.Pointer[config.Config]
	cfg.Store(&config.Config{BuilderHTTP: config.HTTP{AuthFile: staff(t, "alice", "s3cret-pw")}})
	p := statusPage(st, &cfg, func() {}, func() {}, log).(*web.Page)
	p.ActionTimeout = 500 * time.Millisecond
	srv := httptest.NewServer(p)
	defer srv.Close()
	cancel := func() (code int, body string) {
		t.Helper()
		form := url.Values{"csrf": {p.Auth.Token("cancel", rec.ID)}}
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/build/"+rec.ID+"/cancel", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth("alice", "s3cret-pw")
		return silentAnswer(t, proxy, "the cancel button", req)
	}
	proxy.Stall()
	code, body := cancel()
	for _, want := range []string{"no answer from the build store in 500ms", "may or may not have been recorded", `href="/build/` + rec.ID + `"`} {
		if code != http.StatusGatewayTimeout || !strings.Contains(body, want) {
			t.Errorf("cancel with the store silent: %d, want 504 saying %q:\n%s", code, want, body)
		}
	}
	if strings.Contains(body, "refused") || buf.Lines("page action refused") != 0 || buf.Lines("page action: no answer from the build store") != 1 {
		t.Errorf("the silent store logged as a refusal, or not once:\n%s", buf)
	}
	if err := proxy.Restore(); err != nil {
		t.Fatal(err)
	}
	if code, body := cancel(); code != http.StatusSeeOther {
		t.Errorf("cancel once the store answers again: %d\n%s", code, body)
	}
	if got, err := st.Get(context.Background(), rec.ID); err != nil || got.State != state.Cancelled {
		t.Errorf("build after the cancel: %v, %v", got.State, err)
	}
}

// silentAnswer sends req to a page whose store is behind proxy (through whileSilent) and
// returns the answer's code and body, redirects not followed.
func silentAnswer(t *testing.T, proxy *testenv.TCPProxy, what string, req *http.Request) (code int, body string) {
	t.Helper()
	whileSilent(t, proxy, what, func() {
		c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := c.Do(req)
		if err != nil {
			t.Error(err)
			return
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Error(err)
		}
		code, body = resp.StatusCode, string(b)
	})
	return code, body
}

// TestPageDenyGivenUpIsFinished: a deny pressed while the PostgreSQL store is silent answers
// 504 at the page's action timeout, and the denial goes on in the background: once the store
// answers, the build is denied and build.denied is queued (its candidates' marking ran).
// Given up with the page, the write could be recorded late with neither, and a second deny
// is refused, so nothing would ever mark them.
func TestPageDenyGivenUpIsFinished(t *testing.T) {
	st, proxy, log, _ := storeThroughProxy(t)
	ctx := context.Background()
	rec, _, err := st.Intake(ctx, request("silentdeny", "sha256:silentdeny"), "")
	if err != nil {
		t.Fatal(err)
	}
	st.Start(ctx, rec.ID, "")
	st.Transition(ctx, rec.ID, state.AwaitingApproval, "approval")
	if _, err := st.Await(ctx, rec.ID); err != nil {
		t.Fatal(err)
	}
	var cfg atomic.Pointer[config.Config]
	cfg.Store(&config.Config{
		BuilderHTTP: config.HTTP{AuthFile: staff(t, "alice", "s3cret-pw")},
		Notify:      config.Notify{FailureAddress: []string{"ops@example.org"}, Events: []string{config.EventBuildDenied}},
	})
	p := statusPage(st, &cfg, func() {}, func() {}, log).(*web.Page)
	p.ActionTimeout = 500 * time.Millisecond
	srv := httptest.NewServer(p)
	defer srv.Close()
	form := url.Values{"csrf": {p.Auth.Token("deny", rec.ID)}, "reason": {"kernel panics"}}
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/build/"+rec.ID+"/deny", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("alice", "s3cret-pw")
	proxy.Stall()
	code, body := silentAnswer(t, proxy, "the deny button", req)
	if code != http.StatusGatewayTimeout || !strings.Contains(body, "may or may not have been recorded") {
		t.Errorf("deny with the store silent: %d, want 504:\n%s", code, body)
	}
	if err := proxy.Restore(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		got, gerr := st.Get(ctx, rec.ID)
		notes, nerr := st.Notifications(ctx, rec.ID)
		denied := false
		for _, n := range notes {
			denied = denied || n.Event == string(config.EventBuildDenied)
		}
		if gerr == nil && nerr == nil && got.State == state.Denied && denied {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("30 s after the store answered: build %s (%v), build.denied queued %v (%v)", got.State, gerr, denied, nerr)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
