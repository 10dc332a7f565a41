package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
)

// OpenReadOnly opens an existing store for reading only, for status and show: it never creates
// the file or its directory, never changes the schema, and says which file and which user when
// the store cannot be read. A store whose schema is newer than this binary is refused.
//
// A PostgreSQL store is opened with read-only transactions, and its schema is checked, not
// migrated.
func OpenReadOnly(path string, opts ...Option) (*Store, error) {
	if IsPostgres(path) {
		o := options{readOnly: true}
		for _, f := range opts {
			f(&o)
		}
		return openPostgres(path, o)
	}
	if err := checkAccess(path, false); err != nil {
		return nil, err
	}
	q := url.Values{}
	q.Set("mode", "ro")
	// SQLite creates the -wal and -shm files of a WAL database even for a read-only connection
	// when its directory is writable (files root would then own, locking the daemon out). They
	// exist while the daemon has the store open; when they do not, no one is writing it, and
	// immutable=1 reads the file as it is without creating anything.
	if !exists(path+"-wal") || !exists(path+"-shm") {
		q.Set("immutable", "1")
	}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeoutMS))
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open build store %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, fmt.Errorf("open build store %s read-only (user %s): %w", path, currentUser(), err)
	}
	cur, err := currentVersion(context.Background(), db)
	if err == nil {
		err = checkVersion(path, cur)
	}
	if err == nil && cur == 0 && !hasTable(db, "builds") {
		// The daemon has created the file but not yet its tables (or it is not a build store).
		err = fmt.Errorf("%w: no tables yet (a builder may be creating it right now)", ErrNotInitialised)
	}
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open build store %s read-only: %w", path, err)
	}
	return &Store{db: db, d: sqliteDialect, path: path}, nil
}

// ErrNotInitialised is returned by OpenReadOnly for a store file that holds no build tables yet.
var ErrNotInitialised = errors.New("build store not initialised")

// hasTable reports whether the database has a table of that name.
func hasTable(db *sql.DB, name string) bool {
	var n int
	err := db.QueryRow(`SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?`, name).Scan(&n)
	return err == nil && n > 0
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
