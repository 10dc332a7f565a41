package builder

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

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
		whileSilent(t, proxy, path, func() {
			resp, err := http.Get(srv.URL + path)
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
