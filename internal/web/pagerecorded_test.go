package web

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/packuilon/packuilon/internal/testenv"
)

// TestPageActionRecordedThenFailed: an action whose write was recorded, then whose later work
// failed (Recorded: deny's marking of candidates), is not shown nor logged as refused: the page
// answers 500 with the error and a link back to the build, and the log says it was recorded;
// an action refused outright is still a 409 logged as refused.
func TestPageActionRecordedThenFailed(t *testing.T) {
	st, rec := storeWithBuild(t, filepath.Join(t.TempDir(), "builds.db"))
	auth, err := NewAuth(authFile(t, "alice:"+hashOf(t, "pw-alice", 4, "2y")))
	if err != nil {
		t.Fatal(err)
	}
	buf := &testenv.LogBuffer{}
	p := &Page{Store: st, Auth: auth, Log: hclog.New(&hclog.LoggerOptions{Output: buf, Level: hclog.Info}), Actions: Actions{
		Deny: func(context.Context, string, string, string) error {
			return Recorded(errors.New("build denied, but its candidates are not all marked: glance down"))
		},
		Retry: func(context.Context, string, string) error { return errors.New("the build is not failed") },
	}}
	srv := httptest.NewServer(p)
	defer srv.Close()
	post := func(action string, form url.Values) (int, string) {
		t.Helper()
		form.Set("csrf", auth.Token(action, rec.ID))
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/build/"+rec.ID+"/"+action, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth("alice", "pw-alice")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	code, body := post("deny", url.Values{"reason": {"kernel panics"}})
	if code != http.StatusInternalServerError || !strings.Contains(body, "not all marked: glance down") || !strings.Contains(body, "/build/"+rec.ID) {
		t.Errorf("deny recorded, then failed: %d, want 500 with the error and a link back:\n%s", code, body)
	}
	if buf.Lines("page action refused") != 0 || buf.Lines("page action recorded, then failed") != 1 {
		t.Errorf("deny recorded, then failed, logged as:\n%s", buf.String())
	}
	if code, body := post("retry", url.Values{}); code != http.StatusConflict || !strings.Contains(body, "the build is not failed") {
		t.Errorf("retry refused: %d, want 409 with the error:\n%s", code, body)
	}
	if buf.Lines("page action refused") != 1 {
		t.Errorf("a refused retry is not logged as refused:\n%s", buf.String())
	}
}
