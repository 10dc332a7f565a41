package state

import (
	"context"
	"database/sql"
	"slices"
	"strconv"
	"strings"
	"time"
)

// dialect is what differs between the two back-ends. Queries are written once, with "?"
// placeholders, and every other difference lives here, so both back-ends run the same code.
type dialect struct {
	name string
	// numbered rewrites "?" placeholders to $1, $2, ... (PostgreSQL).
	numbered bool
	// lockKey serialises writers of one image key inside a transaction. SQLite needs nothing:
	// BEGIN IMMEDIATE already serialises every writer of the file.
	lockKey func(ctx context.Context, t *sql.Tx, key string) error
	// lockSorted is lockKey for several keys, given in sorted order, in one round trip.
	lockSorted func(ctx context.Context, t *sql.Tx, keys []string) error
	// clockMS is the store's clock in Unix milliseconds, read inside a transaction: every lease
	// expiry is computed and compared on one clock, the database's, whatever the hosts' clocks.
	clockMS func(ctx context.Context, q rowQuerier) (int64, error)
	// syncMode sets, on the connection a transaction is about to run on, whether its commit
	// waits for the disk (SQLite's synchronous is a setting of the connection).
	syncMode func(ctx context.Context, c *sql.Conn, durable bool) error
	// lazyInTx, run first in a transaction, lets its commit return before the disk write
	// (PostgreSQL's synchronous_commit is a setting of the transaction).
	lazyInTx string
}

// rowQuerier is a *sql.DB or *sql.Tx.
type rowQuerier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

var sqliteDialect = dialect{
	name:       "sqlite",
	lockKey:    func(context.Context, *sql.Tx, string) error { return nil },
	lockSorted: func(context.Context, *sql.Tx, []string) error { return nil },
	clockMS:    func(context.Context, rowQuerier) (int64, error) { return time.Now().UnixMilli(), nil },
	syncMode: func(ctx context.Context, c *sql.Conn, durable bool) error {
		// WAL: FULL syncs the log at every commit; NORMAL leaves it to the next FULL commit or
		// checkpoint, and never corrupts the database.
		mode := "PRAGMA synchronous = NORMAL"
		if durable {
			mode = "PRAGMA synchronous = FULL"
		}
		_, err := c.ExecContext(ctx, mode)
		return err
	},
}

var postgresDialect = dialect{
	name:     "postgres",
	numbered: true,
	lockKey: func(ctx context.Context, t *sql.Tx, key string) error {
		// A transaction-scoped advisory lock on the key's hash: released at commit or rollback.
		_, err := t.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, key)
		return err
	},
	lockSorted: func(ctx context.Context, t *sql.Tx, keys []string) error {
		// unnest yields the array in order, and each row's lock is taken as the row is made:
		// the keys are locked in the caller's (sorted) order, as lockKey one by one would.
		_, err := t.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) FROM unnest($1::text[]) AS k`, keys)
		return err
	},
	clockMS: func(ctx context.Context, q rowQuerier) (int64, error) {
		var ms int64
		err := q.QueryRowContext(ctx, `SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint`).Scan(&ms)
		return ms, err
	},
	syncMode: func(context.Context, *sql.Conn, bool) error { return nil },
	lazyInTx: `SET LOCAL synchronous_commit TO OFF`,
}

// ddl returns a schema statement written for SQLite in the dialect.
func (d dialect) ddl(stmt string) string {
	if d.name == postgresDialect.name {
		return pgDDL(stmt)
	}
	return stmt
}

// q returns query in the dialect's placeholder syntax. Queries never contain a literal "?".
func (d dialect) q(query string) string {
	if !d.numbered || !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	n := 0
	for _, c := range query {
		if c == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

// tx is a write transaction in the store's dialect: its query methods take "?" placeholders.
type tx struct {
	*sql.Tx
	ctx context.Context
	d   dialect
}

// Exec runs a statement.
func (t *tx) Exec(query string, args ...any) (sql.Result, error) {
	return t.Tx.ExecContext(t.ctx, t.d.q(query), args...)
}

// Query runs a query.
func (t *tx) Query(query string, args ...any) (*sql.Rows, error) {
	return t.Tx.QueryContext(t.ctx, t.d.q(query), args...)
}

// QueryRow runs a query of one row.
func (t *tx) QueryRow(query string, args ...any) *sql.Row {
	return t.Tx.QueryRowContext(t.ctx, t.d.q(query), args...)
}

// lockKey serialises this transaction with every other writer of key.
func (t *tx) lockKey(key string) error { return t.d.lockKey(t.ctx, t.Tx, key) }

// lockKeys locks several keys in sorted order, so two transactions never wait on each other
// in a cycle, in one round trip.
func (t *tx) lockKeys(keys []string) error {
	seen := map[string]bool{}
	var sorted []string
	for _, k := range keys {
		if !seen[k] {
			seen[k] = true
			sorted = append(sorted, k)
		}
	}
	slices.Sort(sorted)
	if len(sorted) == 1 {
		return t.lockKey(sorted[0])
	}
	return t.d.lockSorted(t.ctx, t.Tx, sorted)
}

// clockMS is the store's clock (see dialect.clockMS).
func (t *tx) clockMS() (int64, error) { return t.d.clockMS(t.ctx, t.Tx) }
