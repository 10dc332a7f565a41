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
	// roundTrips: every statement costs a round trip to the server, so one statement doing
	// the work of two is faster (PostgreSQL). SQLite runs statements in the process and
	// compiles each one: there two simple statements cost less than one with a join.
	roundTrips bool
	// lockKey serialises writers of one image key inside a transaction. SQLite needs nothing:
	// BEGIN IMMEDIATE already serialises every writer of the file.
	lockKey func(ctx context.Context, t sqlTx, key string) error
	// lockSorted is lockKey for several keys, given in sorted order, in one round trip.
	lockSorted func(ctx context.Context, t sqlTx, keys []string) error
	// lockBuild takes the lock (as lockKey) of the image key of build ?, without a round trip
	// to read the key first. "": no statement (SQLite, as lockKey).
	lockBuild string
	// clockSQL is the expression of clockMS, for a statement that computes an expiry itself.
	clockSQL string
	// clockMS is the store's clock in Unix milliseconds, read inside a transaction: every lease
	// expiry is computed and compared on one clock, the database's, whatever the hosts' clocks.
	clockMS func(ctx context.Context, q rowQuerier) (int64, error)
	// begin starts a transaction on c whose commit waits for the disk when durable (see
	// Store.txLazy for the others).
	begin func(ctx context.Context, c *sql.Conn, durable bool) (sqlTx, error)
}

// sqlTx is an open transaction: a sqliteTx or a pgTx. The tx methods Flush it before they
// use its ExecContext, QueryContext or QueryRowContext.
type sqlTx interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	// QueryRow runs a query of one row after the writes not run yet (with them on PostgreSQL).
	QueryRow(ctx context.Context, query string, args ...any) scanner
	// Write runs a write whose result nobody reads, now or with the next statement or Commit.
	Write(ctx context.Context, query string, args ...any) error
	// Read runs a query, now or with the next statement or Flush, and calls each for every
	// row of its result by then.
	Read(ctx context.Context, query string, each func(row scanner) error, args ...any) error
	// Flush runs the writes Write has not run yet.
	Flush(ctx context.Context) error
	Commit() error
	Rollback() error
}

// sqliteTx is a SQLite transaction: Write runs at once (no round trip to save).
type sqliteTx struct{ *sql.Tx }

func (t sqliteTx) Write(ctx context.Context, query string, args ...any) error {
	_, err := t.ExecContext(ctx, query, args...)
	return err
}

func (t sqliteTx) Read(ctx context.Context, query string, each func(row scanner) error, args ...any) error {
	rows, err := t.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	return eachRow(rows, each)
}

// rowIter is what eachRow needs of a result's rows: database/sql's and pgx's have it.
type rowIter interface {
	scanner
	Next() bool
	Err() error
}

// eachRow calls each for every row of rows, then returns their error.
func eachRow(rows rowIter, each func(row scanner) error) error {
	for rows.Next() {
		if err := each(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (sqliteTx) Flush(context.Context) error { return nil }

func (t sqliteTx) QueryRow(ctx context.Context, query string, args ...any) scanner {
	return t.QueryRowContext(ctx, query, args...)
}

// rowQuerier is a *sql.DB, a *sql.Conn or an sqlTx.
type rowQuerier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

var sqliteDialect = dialect{
	name:       "sqlite",
	lockKey:    func(context.Context, sqlTx, string) error { return nil },
	lockSorted: func(context.Context, sqlTx, []string) error { return nil },
	clockMS:    func(context.Context, rowQuerier) (int64, error) { return time.Now().UnixMilli(), nil },
	clockSQL:   `CAST(unixepoch('subsec') * 1000 AS INTEGER)`,
	begin: func(ctx context.Context, c *sql.Conn, durable bool) (sqlTx, error) {
		// SQLite's synchronous is a setting of the connection. WAL: FULL syncs the log at
		// every commit; NORMAL leaves it to the next FULL commit or checkpoint, and never
		// corrupts the database.
		mode := "PRAGMA synchronous = NORMAL"
		if durable {
			mode = "PRAGMA synchronous = FULL"
		}
		if _, err := c.ExecContext(ctx, mode); err != nil {
			return nil, err
		}
		t, err := c.BeginTx(ctx, nil)
		if err != nil {
			return nil, err
		}
		return sqliteTx{t}, nil
	},
}

var postgresDialect = dialect{
	name:       "postgres",
	numbered:   true,
	roundTrips: true,
	lockKey: func(ctx context.Context, t sqlTx, key string) error {
		// A transaction-scoped advisory lock on the key's hash: released at commit or rollback.
		// It goes with the transaction's next statement, which runs once the lock is taken.
		return t.Write(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, key)
	},
	lockSorted: func(ctx context.Context, t sqlTx, keys []string) error {
		// unnest yields the array in order, and each row's lock is taken as the row is made:
		// the keys are locked in the caller's (sorted) order, as lockKey one by one would.
		return t.Write(ctx, `SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) FROM unnest($1::text[]) AS k`, keys)
	},
	// The select list is computed for the rows the WHERE clause kept: this build's key only.
	lockBuild: `SELECT pg_advisory_xact_lock(hashtextextended(image_key, 0)) FROM builds WHERE id = ?`,
	clockMS: func(ctx context.Context, q rowQuerier) (int64, error) {
		var ms int64
		err := q.QueryRowContext(ctx, `SELECT `+pgClockSQL).Scan(&ms)
		return ms, err
	},
	clockSQL: pgClockSQL,
	begin:    beginPG,
}

// pgClockSQL is PostgreSQL's clock in Unix milliseconds (clock_timestamp: the time now, not
// the transaction's start).
const pgClockSQL = `(extract(epoch FROM clock_timestamp()) * 1000)::bigint`

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
	q   sqlTx
	ctx context.Context
	d   dialect
}

// Exec runs a statement.
func (t *tx) Exec(query string, args ...any) (sql.Result, error) {
	if err := t.q.Flush(t.ctx); err != nil {
		return nil, err
	}
	return t.q.ExecContext(t.ctx, t.d.q(query), args...)
}

// Write runs a write whose result the caller does not read (no rows affected; its error may
// come with the next statement's or the commit's): on PostgreSQL it waits for the next
// statement or the commit, and goes with it in one round trip (a pipeline), in order. Every
// later statement of the transaction sees it.
func (t *tx) Write(query string, args ...any) error {
	return t.q.Write(t.ctx, t.d.q(query), args...)
}

// Read runs a query whose rows go to each: on PostgreSQL with the statements waiting and the
// ones queued after it, up to the next statement whose result is read or Flush (one round
// trip). each has been called for every row once Flush returned.
func (t *tx) Read(query string, each func(row scanner) error, args ...any) error {
	return t.q.Read(t.ctx, t.d.q(query), each, args...)
}

// Flush runs the statements waiting (PostgreSQL; SQLite runs each at once).
func (t *tx) Flush() error { return t.q.Flush(t.ctx) }

// Query runs a query.
func (t *tx) Query(query string, args ...any) (*sql.Rows, error) {
	if err := t.q.Flush(t.ctx); err != nil {
		return nil, err
	}
	return t.q.QueryContext(t.ctx, t.d.q(query), args...)
}

// QueryRow runs a query of one row; on PostgreSQL the writes waiting go with it, in its round
// trip, when its Scan runs.
func (t *tx) QueryRow(query string, args ...any) scanner {
	return t.q.QueryRow(t.ctx, t.d.q(query), args...)
}

// lockKey serialises this transaction with every other writer of key.
func (t *tx) lockKey(key string) error { return t.d.lockKey(t.ctx, t.q, key) }

// lockBuild is lockKey for the image key of build id; it locks nothing for an unknown build,
// which the caller's read of the build then finds out.
func (t *tx) lockBuild(id string) error {
	if t.d.lockBuild == "" {
		return nil
	}
	return t.Write(t.d.lockBuild, id)
}

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
	return t.d.lockSorted(t.ctx, t.q, sorted)
}

// clockMS is the store's clock (see dialect.clockMS).
func (t *tx) clockMS() (int64, error) {
	if err := t.q.Flush(t.ctx); err != nil {
		return 0, err
	}
	return t.d.clockMS(t.ctx, t.q)
}
