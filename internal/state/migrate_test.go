package state

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
)

// TestMigrations opens a new store, a store made before schema versions (only the first
// release's tables, one build in it) and a store from a newer packuilon: the first two end at
// SchemaVersion with their data, the last is refused by Open and OpenReadOnly and left as it was.
func TestMigrations(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	version := func(path string) int {
		db, err := sql.Open("sqlite", "file:"+path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		v, err := currentVersion(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}

	fresh := filepath.Join(dir, "fresh.db")
	st, err := Open(fresh)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	if v := version(fresh); v != SchemaVersion() || v < 3 {
		t.Fatalf("new store at version %d, want %d", v, SchemaVersion())
	}
	if st, err = Open(fresh); err != nil { // a second start has nothing to do
		t.Fatal(err)
	}
	st.Close()

	old := filepath.Join(dir, "old.db")
	db, err := sql.Open("sqlite", "file:"+old)
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.Exec(schema + `INSERT INTO builds (id, image_key, state, request, created_at, updated_at) VALUES ('b1', 'k', 'failed', '{}', '2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z');`)
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	if st, err = Open(old); err != nil {
		t.Fatal(err)
	}
	var n int
	err = st.db.QueryRow(`SELECT COUNT(*) FROM builds`).Scan(&n)
	st.Close()
	if err != nil || n != 1 || version(old) != SchemaVersion() {
		t.Fatalf("adopted store: %d builds (%v), version %d", n, err, version(old))
	}

	newer := filepath.Join(dir, "newer.db")
	if st, err = Open(newer); err != nil {
		t.Fatal(err)
	}
	_, err = st.db.Exec(`INSERT INTO schema_version (version, name, applied_at) VALUES (?, 'from the future', '2030-01-01')`, SchemaVersion()+1)
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(newer); !errors.Is(err, ErrSchemaTooNew) {
		t.Fatalf("Open of a newer store: %v", err)
	}
	if _, err := OpenReadOnly(newer); !errors.Is(err, ErrSchemaTooNew) {
		t.Fatalf("OpenReadOnly of a newer store: %v", err)
	}
	if v := version(newer); v != SchemaVersion()+1 {
		t.Fatalf("refused store changed to version %d", v)
	}
}
