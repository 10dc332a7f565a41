package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// migration is one numbered change of the store's schema. Versions are 1, 2, 3, ... with no
// gaps, in the order of migrations; a migration, once released, is never edited: a change is a
// new migration at the end. Every statement must also succeed on a store where its tables
// already exist (CREATE ... IF NOT EXISTS), because stores made before schema_version existed
// are adopted by running every migration over them.
type migration struct {
	version int
	name    string
	sql     string
}

// migrations is the store's schema history. To add a table or column, append
// {version: len(migrations)+1, name: "...", sql: "..."} here (see doc.go).
var migrations = []migration{
	{1, "builds and journal", schema},
	{2, "per-key claims and packer process groups", claimsSchema + procsSchema},
	{3, "notification outbox", outboxSchema},
	{4, "cancel requests", cancelSchema},
	{5, "rollback log", rollbackSchema},
	{6, "build leases", leasesSchema},
}

// SchemaVersion is the newest schema this binary knows.
func SchemaVersion() int { return len(migrations) }

// ErrSchemaTooNew is returned for a store migrated by a newer packuilon.
var ErrSchemaTooNew = errors.New("the build store's schema is newer than this packuilon")

const versionTable = `CREATE TABLE IF NOT EXISTS schema_version (
	version    INTEGER PRIMARY KEY,
	name       TEXT NOT NULL,
	applied_at TEXT NOT NULL
)`

// migrate brings the store's schema up to SchemaVersion in one write transaction (SQLite's and
// PostgreSQL's DDL are transactional; BEGIN IMMEDIATE on SQLite and an advisory lock on
// PostgreSQL make a second process starting at the same time wait, then find nothing left to
// do). A store newer than the binary is refused untouched. Migrations are written in SQLite's
// dialect; PostgreSQL runs them through pgDDL.
func migrate(ctx context.Context, s *Store) error {
	return s.tx(ctx, func(t *tx) error {
		if s.d.name == postgresDialect.name {
			if _, err := t.Exec(`SELECT pg_advisory_xact_lock(?)`, int64(schemaLockID)); err != nil {
				return err
			}
		}
		if _, err := t.Exec(s.d.ddl(versionTable)); err != nil {
			return err
		}
		cur, err := currentVersion(ctx, t.q)
		if err != nil {
			return err
		}
		if err := checkVersion(s.path, cur); err != nil {
			return err
		}
		for _, m := range migrations[cur:] {
			if _, err := t.Exec(s.d.ddl(m.sql)); err != nil {
				return fmt.Errorf("schema migration %d (%s): %w", m.version, m.name, err)
			}
			if _, err := t.Exec(`INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)`, m.version, m.name, now()); err != nil {
				return err
			}
		}
		return nil
	})
}

// querier is what currentVersion needs of a transaction or a database.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// currentVersion is the store's schema version: 0 for a new store or one made before versions.
func currentVersion(ctx context.Context, q querier) (int, error) {
	var v sql.NullInt64
	err := q.QueryRowContext(ctx, `SELECT MAX(version) FROM schema_version`).Scan(&v)
	if err != nil && (strings.Contains(err.Error(), "no such table") || strings.Contains(err.Error(), "does not exist")) {
		return 0, nil
	}
	return int(v.Int64), err
}

// checkVersion refuses a store whose schema a newer packuilon made: this binary would not know
// its tables, and a downgrade must not quietly lose what the newer one recorded.
func checkVersion(path string, cur int) error {
	if cur > SchemaVersion() {
		return fmt.Errorf("%w: %s is at schema version %d, this packuilon knows up to %d; run the newer packuilon (or restore a backup of the store)",
			ErrSchemaTooNew, path, cur, SchemaVersion())
	}
	return nil
}
