package state

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// pgTx is a PostgreSQL transaction on a connection held for it, whose statements go to the
// server in as few round trips as their results allow: BEGIN, its synchronous_commit, the key
// locks and the writes whose result nobody reads (Write) wait, and go together (pgx's batch, a
// pipeline; the server runs them in order) with the next query of one row, or with the
// COMMIT. A claim or a stage transition is two round trips: the locks and the read, then the
// writes and the commit. A connection left inside a transaction (a COMMIT or ROLLBACK that
// failed) is discarded by the driver before it is used again.
type pgTx struct {
	*sql.Conn
	ctx     context.Context
	pending []pgStmt
	begun   bool // the BEGIN was sent
}

// pgStmt is a statement waiting to be sent; each, when set, hears every row of its result.
type pgStmt struct {
	query string
	args  []any
	each  func(row scanner) error
}

// beginPG starts a transaction on c (the BEGIN goes with its first statement). A transaction
// that is not durable commits without waiting for its WAL record to reach the disk
// (synchronous_commit is off for it alone).
func beginPG(ctx context.Context, c *sql.Conn, durable bool) (sqlTx, error) {
	t := &pgTx{Conn: c, ctx: ctx, pending: []pgStmt{{query: "BEGIN"}}}
	if !durable {
		t.pending = append(t.pending, pgStmt{query: "SET LOCAL synchronous_commit TO OFF"})
	}
	return t, nil
}

// Write queues a write for the next statement or the commit.
func (t *pgTx) Write(_ context.Context, query string, args ...any) error {
	t.pending = append(t.pending, pgStmt{query: query, args: args})
	return nil
}

// Read queues a query for the next statement or Flush; each is called for every row of its
// result when they are sent.
func (t *pgTx) Read(_ context.Context, query string, each func(row scanner) error, args ...any) error {
	t.pending = append(t.pending, pgStmt{query: query, args: args, each: each})
	return nil
}

// Flush sends the statements waiting, in one round trip.
func (t *pgTx) Flush(ctx context.Context) error {
	if len(t.pending) == 0 {
		return nil
	}
	return t.send(ctx, nil, nil, false)
}

// ExecContext runs a statement after the ones waiting.
func (t *pgTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if err := t.Flush(ctx); err != nil {
		return nil, err
	}
	return t.Conn.ExecContext(ctx, query, args...)
}

// QueryContext runs a query after the statements waiting.
func (t *pgTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if err := t.Flush(ctx); err != nil {
		return nil, err
	}
	return t.Conn.QueryContext(ctx, query, args...)
}

// QueryRow returns the row of query, sent with the statements waiting when its Scan runs.
func (t *pgTx) QueryRow(ctx context.Context, query string, args ...any) scanner {
	return pgRow{t: t, ctx: ctx, q: pgStmt{query: query, args: args}}
}

// pgRow is a query of one row that runs when scanned.
type pgRow struct {
	t   *pgTx
	ctx context.Context
	q   pgStmt
}

func (r pgRow) Scan(dest ...any) error { return r.t.send(r.ctx, &r.q, dest, false) }

// Commit sends the statements waiting and the COMMIT in one round trip. PostgreSQL answers the
// COMMIT of a transaction that a failed statement aborted with ROLLBACK: that is an error
// here, as in pgx's own Tx.
func (t *pgTx) Commit() error {
	if err := t.send(t.ctx, nil, nil, true); err != nil {
		t.Rollback() // after a failed statement (the COMMIT did not run); a no-op after the COMMIT
		return err
	}
	return nil
}

// Rollback rolls the transaction back, even once its context is done.
func (t *pgTx) Rollback() error {
	t.pending = nil
	if !t.begun {
		return nil // nothing reached the server
	}
	_, err := t.Conn.ExecContext(context.WithoutCancel(t.ctx), "ROLLBACK")
	return err
}

// send runs, as one batch, the statements waiting, then query q (its row scanned into dest)
// or the COMMIT; it returns the first error.
func (t *pgTx) send(ctx context.Context, q *pgStmt, dest []any, commit bool) error {
	b := &pgx.Batch{}
	for _, w := range t.pending {
		b.Queue(w.query, w.args...)
	}
	sent := t.pending
	t.pending, t.begun = nil, true
	if q != nil {
		b.Queue(q.query, q.args...)
	}
	if commit {
		b.Queue("COMMIT")
	}
	return t.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("the connection is a %T, not pgx's", dc)
		}
		br := c.Conn().SendBatch(ctx, b)
		err := results(br, sent, dest, q != nil, commit)
		if cerr := br.Close(); err == nil {
			err = cerr
		}
		return err
	})
}

// results reads a batch's results: the statements sent (writes, and reads whose rows go to
// their each), then a row into dest if query, then the COMMIT's.
func results(br pgx.BatchResults, sent []pgStmt, dest []any, query, commit bool) error {
	for _, st := range sent {
		if st.each == nil {
			if _, err := br.Exec(); err != nil {
				return err
			}
			continue
		}
		if err := eachResultRow(br, st.each); err != nil {
			return err
		}
	}
	if query {
		if err := br.QueryRow().Scan(dest...); err != nil {
			return err
		}
	}
	if commit {
		tag, err := br.Exec()
		if err == nil && tag.String() == "ROLLBACK" {
			err = pgx.ErrTxCommitRollback
		}
		return err
	}
	return nil
}

// eachResultRow calls each for every row of the batch's next result.
func eachResultRow(br pgx.BatchResults, each func(row scanner) error) error {
	rows, err := br.Query()
	if err != nil {
		return err
	}
	defer rows.Close()
	return eachRow(rows, each)
}
