package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"

	_ "modernc.org/sqlite" // registers the "sqlite" driver (pure Go)
)

// ErrNotFound is returned for an unknown build id.
var ErrNotFound = errors.New("no such build")

// Store is the build store. It is safe for concurrent use, and several processes may open the
// same file (the daemon and the CLI).
type Store struct {
	db   *sql.DB
	path string
}

// schema is migration 1: the tables of the first release.
const schema = `
CREATE TABLE IF NOT EXISTS builds (
	seq         INTEGER PRIMARY KEY AUTOINCREMENT,
	id          TEXT NOT NULL UNIQUE,
	image_key   TEXT NOT NULL,
	state       TEXT NOT NULL,
	stage       TEXT NOT NULL DEFAULT '',
	request     TEXT NOT NULL,
	message_id  TEXT NOT NULL DEFAULT '',
	fingerprint TEXT NOT NULL DEFAULT '',
	message     TEXT NOT NULL DEFAULT '',
	error       TEXT NOT NULL DEFAULT '',
	log_path    TEXT NOT NULL DEFAULT '',
	artifacts   TEXT NOT NULL DEFAULT '',
	attempt     INTEGER NOT NULL DEFAULT 0,
	timings     TEXT NOT NULL DEFAULT '[]',
	created_at  TEXT NOT NULL,
	updated_at  TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS builds_key_state ON builds (image_key, state);
CREATE INDEX IF NOT EXISTS builds_state ON builds (state);
CREATE TABLE IF NOT EXISTS journal (
	seq      INTEGER PRIMARY KEY AUTOINCREMENT,
	build_id TEXT NOT NULL,
	at       TEXT NOT NULL,
	state    TEXT NOT NULL,
	stage    TEXT NOT NULL DEFAULT '',
	message  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS journal_build ON journal (build_id, seq);
`

// busyTimeout is how long a writer waits for another process's write transaction; the CLI's
// writes (retry) and the daemon's are all short, so a few seconds of waiting means trouble.
const busyTimeoutMS = 15000

// Open opens (creating if needed) the store at path. The directory is created with mode 0700:
// requests name hosts and personalities, which are not for everyone.
func Open(path string) (*Store, error) {
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
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open build store %s: %w", path, err)
	}
	// One connection per process: SQLite has one writer anyway, and this keeps the daemon's
	// own goroutines from contending through SQLITE_BUSY.
	db.SetMaxOpenConns(1)
	if err := migrate(context.Background(), db, path); err != nil {
		db.Close()
		return nil, fmt.Errorf("open build store %s: %w", path, err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		db.Close()
		return nil, fmt.Errorf("open build store %s: %w", path, err)
	}
	return &Store{db: db, path: path}, nil
}

// Path is the store's file.
func (s *Store) Path() string { return s.path }

// Close closes the store.
func (s *Store) Close() error { return s.db.Close() }

// tx runs fn in a write transaction.
func (s *Store) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	t, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(t); err != nil {
		t.Rollback()
		return err
	}
	return t.Commit()
}
