package state

import (
	"context"
	"database/sql"
	"errors"
	"strings"
)

// ErrNotFound is returned for an unknown build id.
var ErrNotFound = errors.New("no such build")

// Store is the build store. It is safe for concurrent use, and several processes may open the
// same store (the daemon and the CLI; with PostgreSQL, several builder hosts).
type Store struct {
	db *sql.DB
	d  dialect
	// path is the SQLite file, or the PostgreSQL URL without its password.
	path string
	// leases are the timings of the Leases held on it; zero: DefaultLeaseTimings.
	leases LeaseTimings
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

// Option configures Open.
type Option func(*options)

type options struct {
	passwordFile string
	readOnly     bool
	leases       LeaseTimings
}

// WithPasswordFile reads the PostgreSQL password from a file (its first line). Without it, a
// password comes from PGPASSFILE or ~/.pgpass as libpq would find it; a password in the URL
// itself is refused, since the URL is logged and shown by status.
func WithPasswordFile(path string) Option { return func(o *options) { o.passwordFile = path } }

// IsPostgres reports whether target names a PostgreSQL database (a postgres:// or
// postgresql:// URL) rather than a SQLite file.
func IsPostgres(target string) bool {
	return strings.HasPrefix(target, "postgres://") || strings.HasPrefix(target, "postgresql://")
}

// Open opens (creating the schema if needed) the store at target: a postgres:// URL selects
// PostgreSQL, anything else is the path of a SQLite file.
func Open(target string, opts ...Option) (*Store, error) {
	var o options
	for _, f := range opts {
		f(&o)
	}
	if o.leases != (LeaseTimings{}) {
		if err := o.leases.check(); err != nil {
			return nil, err
		}
	}
	var s *Store
	var err error
	if IsPostgres(target) {
		s, err = openPostgres(target, o)
	} else {
		s, err = openSQLite(target)
	}
	if err != nil {
		return nil, err
	}
	s.leases = o.leases
	return s, nil
}

// Path is the store's file, or its PostgreSQL URL without a password.
func (s *Store) Path() string { return s.path }

// Backend is "sqlite" or "postgres".
func (s *Store) Backend() string { return s.d.name }

// Close closes the store.
func (s *Store) Close() error { return s.db.Close() }

// tx runs fn in a write transaction whose commit is on disk when tx returns.
func (s *Store) tx(ctx context.Context, fn func(*tx) error) error { return s.txSync(ctx, true, fn) }

// txLazy runs fn in a write transaction whose commit may reach the disk only with a later
// durable commit (a crash of the machine, not of the process, can lose it; the store stays
// consistent). It is for the writes on the way from a queued build to packer running (claim,
// stage transitions, progress, lease renewals): a build whose last transitions are lost resumes
// at an earlier recorded stage, and every stage may run again. Intake, ends of builds and the
// commands' writes stay durable.
func (s *Store) txLazy(ctx context.Context, fn func(*tx) error) error {
	return s.txSync(ctx, false, fn)
}

func (s *Store) txSync(ctx context.Context, durable bool, fn func(*tx) error) error {
	conn, err := s.db.Conn(ctx) // one connection for the setting and the transaction
	if err != nil {
		return err
	}
	defer conn.Close()
	t, err := s.d.begin(ctx, conn, durable)
	if err != nil {
		return err
	}
	if err := fn(&tx{q: t, ctx: ctx, d: s.d}); err != nil {
		t.Rollback()
		return err
	}
	return t.Commit()
}

// query runs a read outside a transaction.
func (s *Store) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return s.db.QueryContext(ctx, s.d.q(query), args...)
}

// queryRow runs a read of one row outside a transaction.
func (s *Store) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return s.db.QueryRowContext(ctx, s.d.q(query), args...)
}

// exec runs one write in a durable transaction of its own. Not autocommit: SQLite's
// synchronous is a setting of the connection, and one a lazy transaction left at NORMAL would
// return before the write is on disk. On PostgreSQL its BEGIN, the write and the COMMIT go in
// one round trip, as autocommit did.
func (s *Store) exec(ctx context.Context, query string, args ...any) error {
	return s.tx(ctx, func(t *tx) error { return t.Write(query, args...) })
}
