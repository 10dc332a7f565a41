package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"modernc.org/sqlite" // registers the "sqlite" driver (pure Go)
	sqlite3 "modernc.org/sqlite/lib"
)

// leasesSchema (migration 6) holds one row per image key that was ever built. The primary key
// is what makes "one active build per key" hold across builders: a build runs only while its
// key's row names it with an unexpired lease.
const leasesSchema = `
CREATE TABLE IF NOT EXISTS leases (
	image_key  TEXT PRIMARY KEY,
	build_id   TEXT NOT NULL DEFAULT '',
	owner      TEXT NOT NULL DEFAULT '',
	token      BIGINT NOT NULL DEFAULT 0,
	expires_ms BIGINT NOT NULL DEFAULT 0
);
`

// busyTimeout is how long a writer waits for another process's write transaction; the CLI's
// writes (retry) and the daemon's are all short, so a few seconds of waiting means trouble.
const busyTimeoutMS = 15000

// openSQLite opens (creating if needed) the store at path. The directory is created with mode
// 0700: requests name hosts and personalities, which are not for everyone.
func openSQLite(path string) (*Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("open build store %s (user %s): %w", path, currentUser(), err)
	}
	if err := checkAccess(path, true); err != nil {
		return nil, err
	}
	q := url.Values{}
	// WAL: readers in other processes are never blocked by the daemon's writes. FULL sync: a
	// request is acked only after its commit, so the commit must be on disk (property 2).
	for _, p := range []string{"journal_mode(WAL)", "synchronous(FULL)", fmt.Sprintf("busy_timeout(%d)", busyTimeoutMS), "foreign_keys(ON)"} {
		q.Add("_pragma", p)
	}
	// BEGIN IMMEDIATE takes the write lock at once, so two processes never deadlock upgrading
	// read transactions.
	q.Set("_txlock", "immediate")
	// A new file is made a WAL database by its first opener under an exclusive lock that SQLite
	// does not wait for (busy_timeout does not apply to it): another process opening the file at
	// that moment (a command as the daemon starts) gets SQLITE_BUSY, and opens it again.
	deadline := time.Now().Add(busyTimeoutMS * time.Millisecond)
	for {
		s, err := openSQLiteOnce(path, q)
		if err == nil || !isBusy(err) || time.Now().After(deadline) {
			return s, err
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// openSQLiteOnce opens the store at path with the connection parameters q and migrates it.
func openSQLiteOnce(path string, q url.Values) (*Store, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open build store %s: %w", path, err)
	}
	// One connection per process: SQLite has one writer anyway, and this keeps the daemon's
	// own goroutines from contending through SQLITE_BUSY.
	db.SetMaxOpenConns(1)
	s := &Store{db: db, d: sqliteDialect, path: path}
	if err := migrate(context.Background(), s); err != nil {
		db.Close()
		return nil, fmt.Errorf("open build store %s: %w", path, err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		db.Close()
		return nil, fmt.Errorf("open build store %s: %w", path, err)
	}
	return s, nil
}

// isBusy reports whether err is SQLite's SQLITE_BUSY (any of its extended codes).
func isBusy(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_BUSY
}
