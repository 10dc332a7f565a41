package web

import (
	"database/sql"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/testenv"
)

// TestPageShowsUnreadSections: a section of the status page whose read from the build store
// fails (its table is gone) says that it could not be read, with the error, instead of showing
// an empty list; the rest of the page is shown, and the failure is logged.
func TestPageShowsUnreadSections(t *testing.T) {
	for _, tc := range []struct {
		table, page, section string
	}{
		{"rollbacks", "/", "rollbacks"},
		{"journal", "/build/", "journal"},
		{"outbox", "/build/", "notifications"},
	} {
		t.Run(tc.section, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "builds.db")
			st, rec := storeWithBuild(t, path)
			// The fault: the section's table is gone from the store, which the page reads as it is.
			db, err := sql.Open("sqlite", "file:"+path)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := db.Exec(`ALTER TABLE ` + tc.table + ` RENAME TO gone`); err != nil {
				t.Fatal(err)
			}
			buf := &testenv.LogBuffer{}
			log := hclog.New(&hclog.LoggerOptions{Output: buf, Level: hclog.Info})
			srv := httptest.NewServer(&Page{Store: st, Log: log})
			defer srv.Close()
			url := srv.URL + tc.page
			if tc.page == "/build/" {
				url += rec.ID
			}
			resp, err := http.Get(url)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			page := string(body)
			if want := "The " + tc.section + " could not be read from the build store: "; !strings.Contains(page, want) || !strings.Contains(page, "no such table") {
				t.Errorf("%s: the page does not say %q with the error:\n%s", tc.page, want, page)
			}
			if resp.StatusCode != http.StatusOK || !strings.Contains(page, rec.ID) {
				t.Errorf("%s: %s, the rest of the page (build %s) missing", tc.page, resp.Status, rec.ID)
			}
			if buf.Lines("cannot read from the build store") != 1 || buf.Lines("section="+tc.section) != 1 {
				t.Errorf("the failed read is not logged once:\n%s", buf)
			}
		})
	}
}

// TestUnreadSectionHidesSecrets: the error a page shows in place of an unread section goes
// through config.AsWritten, as /healthz does, so a configured secret that a store error quotes
// is shown as its reference.
func TestUnreadSectionHidesSecrets(t *testing.T) {
	dir := t.TempDir()
	// A contrived secret, so that the store's real error ("no such table: rollbacks") quotes it.
	cfg := filepath.Join(dir, "config.ini")
	if err := os.WriteFile(cfg, []byte("[global]\nword = such table\nRABBIT_PW = %(word)s\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := config.Load(cfg); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "builds.db")
	st, _ := storeWithBuild(t, path)
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`ALTER TABLE rollbacks RENAME TO gone`); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(&Page{Store: st, Log: hclog.NewNullLogger()})
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if page := string(body); strings.Contains(page, "such table") || !strings.Contains(page, "could not be read") {
		t.Errorf("the unread section shows the secret, or no notice:\n%s", page)
	}
}
