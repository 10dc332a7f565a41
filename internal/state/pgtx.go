package state

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// pgTx is a PostgreSQL transaction begun by its own statement on a connection held for it:
// BEGIN and the transaction's synchronous_commit go in one round trip, which database/sql's
// BeginTx (BEGIN alone, then the SET) cannot send. A connection left inside a transaction
// (a COMMIT or ROLLBACK that failed) is discarded by the driver before it is used again.
type pgTx struct {
	*sql.Conn
	ctx context.Context
}

// beginPG starts a transaction on c. A transaction that is not durable commits without
// waiting for its WAL record to reach the disk (synchronous_commit is off for it alone).
func beginPG(ctx context.Context, c *sql.Conn, durable bool) (sqlTx, error) {
	begin := "BEGIN"
	if !durable {
		begin = "BEGIN; SET LOCAL synchronous_commit TO OFF"
	}
	t := pgTx{Conn: c, ctx: ctx}
	if _, err := c.ExecContext(ctx, begin); err != nil { // no arguments: one simple query
		t.Rollback()
		return nil, err
	}
	return t, nil
}

// Commit commits the transaction. PostgreSQL answers the COMMIT of a transaction that a failed
// statement aborted with ROLLBACK: that is an error here, as in pgx's own Tx.
func (t pgTx) Commit() error {
	return t.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("commit: the connection is a %T, not pgx's", dc)
		}
		tag, err := c.Conn().Exec(t.ctx, "COMMIT")
		if err == nil && tag.String() == "ROLLBACK" {
			return pgx.ErrTxCommitRollback
		}
		return err
	})
}

// Rollback rolls the transaction back, even once its context is done.
func (t pgTx) Rollback() error {
	_, err := t.ExecContext(context.WithoutCancel(t.ctx), "ROLLBACK")
	return err
}
