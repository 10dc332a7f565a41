package web

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/packuilon/packuilon/internal/event"
	"github.com/packuilon/packuilon/internal/state"
)

// TestReadOnlyPage: without HTTP_AUTH_FILE the page shows builds without buttons, and refuses
// every POST; a build's text is escaped, never run as markup.
func TestReadOnlyPage(t *testing.T) {
	st, rec := storeWithBuild(t, filepath.Join(t.TempDir(), "builds.db"))
	ctx := context.Background()
	if _, err := st.Finish(ctx, rec.ID, state.Failed, `<script>alert("x")</script>`, nil); err != nil {
		t.Fatal(err)
	}
	if err := st.RecordRollback(ctx, "web-sl7x-x86_64.default", "img-old", "img-new", "bob"); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(&Page{Store: st, Log: hclog.NewNullLogger()})
	defer srv.Close()
	for _, path := range []string{"/", "/build/" + rec.ID} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		page := string(body)
		if resp.StatusCode != 200 || !strings.Contains(page, rec.ID) || !strings.Contains(page, "&lt;script&gt;") {
			t.Errorf("%s: %d, id or escaped message missing:\n%s", path, resp.StatusCode, page)
		}
		if path == "/" && (!strings.Contains(page, "Rollbacks") || !strings.Contains(page, "img-old")) {
			t.Errorf("the overview does not list the rollback")
		}
		if strings.Contains(page, "<form") || strings.Contains(page, "<script>") {
			t.Errorf("%s: a read-only page has a form or a script", path)
		}
	}
	resp, err := http.PostForm(srv.URL+"/build/"+rec.ID+"/retry", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("POST to a read-only page: %s", resp.Status)
	}
	if got, _ := st.Get(ctx, rec.ID); got.State != state.Failed {
		t.Errorf("the build is %s after a refused retry", got.State)
	}
}

// storeWithBuild opens a SQLite build store at path, closed at the test's end, with one queued
// build.
func storeWithBuild(t *testing.T, path string) (*state.Store, state.Record) {
	t.Helper()
	st, err := state.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	req := event.NewRequest(event.Spec{Personality: "web", Archetype: "ral-tier1", OS: "sl", OSVersion: "7x-x86_64",
		Branch: event.Branch{Type: event.BranchDomain, Name: "prod"}}, event.ReasonManual)
	rec, _, err := st.Intake(context.Background(), req, "")
	if err != nil {
		t.Fatal(err)
	}
	return st, rec
}
