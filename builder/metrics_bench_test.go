package builder

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/packuilon/packuilon/internal/state"
	"github.com/packuilon/packuilon/internal/web"
)

// BenchmarkEndingsRead measures a read of the journal reader behind packuilon_builds_total on
// a journal of 100,000 entries (one in ten a cancellation), in SQLite and PostgreSQL stores:
// idle-us, a read that finds nothing new (every 5 s on every builder, most of the time),
// against old-idle-us, the reader it replaced (the newest number, then the endings among the
// last 1,000 entries, at each read); burst-ms, a read of 1,000 new entries; pending-1000-us, a
// read while the most numbers that may still commit are asked for again (1,000).
func BenchmarkEndingsRead(b *testing.B) {
	const entries, reads = 100_000, 200
	for _, name := range []string{"sqlite", "postgres"} {
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			st, fill, old := journalStore(b, name)
			fill(entries)
			m := web.NewMetrics(st.CountStates, st.CountRollbacks)
			c, err := newEndingCounter(ctx, st, m, hclog.NewNullLogger())
			if err != nil {
				b.Fatal(err)
			}
			perRead := func(read func() error) float64 {
				start := time.Now()
				for range reads {
					if err := read(); err != nil {
						b.Fatal(err)
					}
				}
				return float64(time.Since(start).Microseconds()) / reads
			}
			for i := 0; i < b.N; i++ {
				b.ReportMetric(perRead(func() error { return c.count(ctx) }), "idle-us")
				b.ReportMetric(perRead(func() error {
					top, err := st.JournalMark(ctx)
					if err == nil {
						err = old(top)
					}
					return err
				}), "old-idle-us")
				fill(1000)
				start := time.Now()
				if err := c.count(ctx); err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(time.Since(start).Microseconds())/1000, "burst-ms")
				gone := make([]missing, 0, maxPending+len(c.pending))
				for n := int64(maxPending); n > 0; n-- { // numbers no entry has: asked for at every read
					gone = append(gone, missing{-n, time.Now()})
				}
				c.pending = append(gone, c.pending...)
				b.ReportMetric(perRead(func() error { return c.count(ctx) }), "pending-1000-us")
			}
		})
	}
}

// journalStore opens a store of the backend name and returns it with a function that writes n
// journal entries, one in ten a cancellation, in one statement, and one that makes the reader
// before's query (the denials and cancellations among the 1,000 entries up to top) on a
// connection of its own.
func journalStore(b *testing.B, name string) (*state.Store, func(n int), func(top int64) error) {
	b.Helper()
	ctx := context.Background()
	at := time.Now().UTC().Format(time.RFC3339Nano)
	ended := []any{string(state.Denied), string(state.Cancelled)}
	if name == "postgres" {
		st, raw := postgresJournal(b)
		conn := raw()
		fill := func(n int) {
			if _, err := conn.Exec(ctx, `INSERT INTO journal (build_id, at, state)
				SELECT 'b-' || i, $1, CASE WHEN i % 10 = 0 THEN 'cancelled' ELSE 'queued' END FROM generate_series(1, $2::int) i`, at, n); err != nil {
				b.Fatal(err)
			}
		}
		old := func(top int64) error {
			rows, err := conn.Query(ctx, `SELECT seq, build_id, state FROM journal WHERE seq > $1 AND seq <= $2
				AND state IN ($3, $4) ORDER BY seq`, append([]any{top - 1000, top}, ended...)...)
			if err != nil {
				return err
			}
			defer rows.Close()
			return scanEndings(rows)
		}
		return st, fill, old
	}
	path := filepath.Join(b.TempDir(), "builds.db")
	st, err := state.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	fill := func(n int) {
		if _, err := db.Exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
			INSERT INTO journal (build_id, at, state)
			SELECT 'b-' || i, ?, CASE WHEN i % 10 = 0 THEN 'cancelled' ELSE 'queued' END FROM n`, n, at); err != nil {
			b.Fatal(err)
		}
	}
	old := func(top int64) error {
		rows, err := db.QueryContext(ctx, `SELECT seq, build_id, state FROM journal WHERE seq > ? AND seq <= ?
			AND state IN (?, ?) ORDER BY seq`, append([]any{top - 1000, top}, ended...)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		return scanEndings(rows)
	}
	return st, fill, old
}

// scanEndings reads every row of the reader before's query, as it did.
func scanEndings(rows interface {
	Next() bool
	Scan(...any) error
	Err() error
}) error {
	for rows.Next() {
		var e state.JournalRow
		if err := rows.Scan(&e.Seq, &e.BuildID, &e.State); err != nil {
			return err
		}
	}
	return rows.Err()
}
