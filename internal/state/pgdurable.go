package state

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// openPGPool opens the pool of a writable PostgreSQL store, whose durable commits (intake, ends
// of builds, the commands' writes) must reach the disk before they return. A server that runs
// with fsync off never flushes them: it is refused. Sessions whose synchronous_commit is off
// (postgresql.conf, ALTER ROLE or ALTER DATABASE ... SET) would commit them without waiting:
// the pool is opened again with it on for its sessions (a startup parameter); only the lazy
// transactions set it off, for themselves. Any other value (local, remote_write, on,
// remote_apply) waits for the local disk at least, and is kept.
func openPGPool(ctx context.Context, cfg *pgx.ConnConfig, shown string) (*sql.DB, error) {
	db := newPGPool(cfg)
	var fsync, syncCommit string
	err := db.QueryRowContext(ctx, `SELECT current_setting('fsync'), current_setting('synchronous_commit')`).Scan(&fsync, &syncCommit)
	switch {
	case err != nil:
		db.Close()
		return nil, fmt.Errorf("open build store %s: %w", shown, err)
	case fsync != "on":
		db.Close()
		return nil, fmt.Errorf("open build store %s: the PostgreSQL server runs with fsync %s: a crash of its machine could lose builds it recorded and requests already acked; turn fsync on", shown, fsync)
	case syncCommit != "off":
		return db, nil
	}
	db.Close()
	cfg.RuntimeParams["synchronous_commit"] = "on"
	return newPGPool(cfg), nil
}

// newPGPool opens a pool of connections made with cfg.
func newPGPool(cfg *pgx.ConnConfig) *sql.DB {
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(pgMaxConns)
	db.SetMaxIdleConns(pgMaxConns)
	return db
}
