package state

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// syncSetting is what the transaction's commit waits for: PostgreSQL's synchronous_commit
// ("on", "off"), SQLite's synchronous (2 FULL, 1 NORMAL).
func syncSetting(t *tx) (string, error) {
	q := `SHOW synchronous_commit`
	if t.d.name == sqliteDialect.name {
		q = `PRAGMA synchronous`
	}
	var v string
	err := t.QueryRow(q).Scan(&v)
	return v, err
}

// TestCommitDurability: a durable transaction commits with the disk write awaited and a lazy
// one without, whatever ran on the connection before (a lazy commit, a rollback, a cancelled
// transaction): the setting never leaks from one transaction into the next.
func TestCommitDurability(t *testing.T) { eachBackend(t, testCommitDurability) }

func testCommitDurability(t *testing.T, be backend) {
	ctx := context.Background()
	s, _ := be.open(t)
	s.db.SetMaxOpenConns(1) // every transaction on the same connection
	want := map[bool]string{true: "on", false: "off"}
	if s.Backend() == "sqlite" {
		want = map[bool]string{true: "2", false: "1"}
	}
	check := func(step string, durable bool) {
		t.Helper()
		var got string
		err := s.txSync(ctx, durable, func(t *tx) error {
			var err error
			got, err = syncSetting(t)
			return err
		})
		if err != nil || got != want[durable] {
			t.Fatalf("%s: durable %v: the commit waits for %q (%v), want %q", step, durable, got, err, want[durable])
		}
	}
	check("first", true)
	check("after a durable commit", false)
	check("after a lazy commit", true)
	if err := s.txLazy(ctx, func(*tx) error { return errors.New("no") }); err == nil {
		t.Fatal("a failing transaction committed")
	}
	check("after a lazy rollback", true)
	cctx, cancel := context.WithCancel(ctx)
	err := s.txSync(cctx, false, func(t *tx) error {
		cancel()
		_, err := t.Exec(`INSERT INTO journal (build_id, at, state, stage, message) VALUES ('x', 'y', 'queued', '', 'cancelled')`)
		return err
	})
	if err == nil {
		t.Fatal("a transaction whose context was cancelled committed")
	}
	check("after a cancelled lazy transaction", true)
	// The write paths: intake and the end of a build are durable, the claim on the way to
	// packer is not.
	r, _, err := s.Intake(ctx, req("sync", "d"), "m")
	if err != nil {
		t.Fatal(err)
	}
	l, _, err := s.ClaimBuild(ctx, r.ID, "o", time.Hour, "")
	if err != nil {
		t.Fatal(err)
	}
	check("after a claim", true)
	if _, err := l.Finish(ctx, Succeeded, "", nil); err != nil {
		t.Fatal(err)
	}
	check("after a finish", false)
	if j, _ := s.Journal(ctx, "x"); len(j) != 0 {
		t.Errorf("the cancelled transaction wrote %+v", j)
	}
}

// TestAbortedCommit: on PostgreSQL a statement that failed aborts its transaction; a caller
// that went on and committed gets an error, and nothing of the transaction is kept.
func TestAbortedCommit(t *testing.T) {
	be := backends[1]
	ctx := context.Background()
	s, _ := be.open(t)
	err := s.tx(ctx, func(t *tx) error {
		if _, err := t.Exec(`INSERT INTO journal (build_id, at, state, stage, message) VALUES ('x', 'y', 'queued', '', 'lost')`); err != nil {
			return err
		}
		t.Exec(`SELECT no_such_column FROM builds`) // fails; the error is dropped
		return nil
	})
	if err == nil {
		t.Fatal("the commit of an aborted transaction succeeded")
	}
	if j, _ := s.Journal(ctx, "x"); len(j) != 0 {
		t.Errorf("the aborted transaction wrote %+v", j)
	}
	if _, _, err := s.Intake(ctx, req("after", "d"), "m"); err != nil { // the connection is usable again
		t.Fatal(err)
	}
}

// TestLockBuild: a write of a build locks its image key only (PostgreSQL's advisory lock of
// that key, none of the other keys'), and a write of an unknown build fails with ErrNotFound.
func TestLockBuild(t *testing.T) {
	eachBackend(t, func(t *testing.T, be backend) {
		ctx := context.Background()
		s, _ := be.open(t)
		var recs []Record
		for i := range 3 {
			r, _, err := s.Intake(ctx, req(fmt.Sprintf("lock%d", i), "d"), "m")
			if err != nil {
				t.Fatal(err)
			}
			recs = append(recs, r)
		}
		if _, err := s.Transition(ctx, "nope", Rendering, "render"); !errors.Is(err, ErrNotFound) {
			t.Errorf("a write of an unknown build: %v", err)
		}
		if s.Backend() != "postgres" {
			return
		}
		keys := []string{"", ""}
		err := s.tx(ctx, func(t *tx) error {
			if err := t.lockBuild(recs[1].ID); err != nil {
				return err
			}
			// This transaction's advisory locks, and whether each is the hash of a key.
			rows, err := t.Query(`SELECT COALESCE(b.image_key, '') FROM pg_locks l LEFT JOIN (SELECT DISTINCT image_key FROM builds) b
				ON l.classid = ((hashtextextended(b.image_key, 0) >> 32) & 4294967295)::oid
				AND l.objid = (hashtextextended(b.image_key, 0) & 4294967295)::oid
				WHERE l.locktype = 'advisory' AND l.pid = pg_backend_pid()`)
			if err != nil {
				return err
			}
			defer rows.Close()
			keys = keys[:0]
			for rows.Next() {
				var k string
				if err := rows.Scan(&k); err != nil {
					return err
				}
				keys = append(keys, k)
			}
			return rows.Err()
		})
		if err != nil || len(keys) != 1 || keys[0] != recs[1].ImageKey {
			t.Fatalf("the write of a build of %s holds the advisory locks of %q (%v), want that key's only", recs[1].ImageKey, keys, err)
		}
	})
}

// TestWrites: the writes a transaction leaves for later (tx.Write) are seen by its next
// statement, and one that fails fails the commit (or the next statement) with its own error;
// nothing of the transaction is kept and the connection serves the next one.
func TestWrites(t *testing.T) { eachBackend(t, testWrites) }

func testWrites(t *testing.T, be backend) {
	ctx := context.Background()
	s, _ := be.open(t)
	s.db.SetMaxOpenConns(1)
	r, _, err := s.Intake(ctx, req("writes", "d"), "m")
	if err != nil {
		t.Fatal(err)
	}
	entry := `INSERT INTO journal (build_id, at, state, stage, message) VALUES (?, 'at', 'queued', '', ?)`
	var seen int
	err = s.tx(ctx, func(t *tx) error {
		if err := t.Write(entry, "w", "one"); err != nil {
			return err
		}
		if err := t.Write(entry, "w", "two"); err != nil {
			return err
		}
		return t.QueryRow(`SELECT COUNT(*) FROM journal WHERE build_id = 'w'`).Scan(&seen)
	})
	if err != nil || seen != 2 {
		t.Fatalf("a read after two writes saw %d entries (%v), want 2", seen, err)
	}
	duplicate := `INSERT INTO builds (id, image_key, state, request, created_at, updated_at) VALUES (?, 'k', 'queued', '{}', 'at', 'at')`
	for _, then := range []string{"commit", "read"} {
		err = s.tx(ctx, func(t *tx) error {
			if err := t.Write(entry, "w", "lost with "+then); err != nil {
				return err
			}
			if err := t.Write(duplicate, r.ID); err != nil {
				return err
			}
			if then == "read" {
				return t.QueryRow(`SELECT COUNT(*) FROM journal`).Scan(&seen)
			}
			return nil
		})
		if err == nil || !strings.Contains(strings.ToLower(err.Error()), "unique") {
			t.Errorf("a duplicate build id, then a %s: %v, want the unique constraint's error", then, err)
		}
	}
	if j, _ := s.Journal(ctx, "w"); len(j) != 2 {
		t.Errorf("the failed transactions kept entries: %+v", j)
	}
	if _, err := s.Transition(ctx, r.ID, Rendering, "render"); err != nil { // the connection is usable
		t.Fatal(err)
	}
}

// TestWriteOutsideTransactionIsDurable: a write the store makes outside its transactions
// (releasing a claim) waits for the disk even on the connection a lazy transaction used last:
// the setting it ran under is the one the connection is left with.
func TestWriteOutsideTransactionIsDurable(t *testing.T) {
	eachBackend(t, testWriteOutsideTransactionIsDurable)
}

func testWriteOutsideTransactionIsDurable(t *testing.T, be backend) {
	ctx := context.Background()
	s, _ := be.open(t)
	s.db.SetMaxOpenConns(1) // the release runs on the connection of the lazy transaction
	q, want := `SHOW synchronous_commit`, "on"
	if s.Backend() == "sqlite" {
		q, want = `PRAGMA synchronous`, "2"
	}
	if err := s.txLazy(ctx, func(*tx) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if err := s.Release(ctx, "key", Holder{Owner: "o"}); err != nil {
		t.Fatal(err)
	}
	var got string
	if err := s.queryRow(ctx, q).Scan(&got); err != nil || got != want {
		t.Fatalf("a release after a lazy transaction ran with %q (%v), want %q", got, err, want)
	}
}

// TestClaimReadsAfterKeyLock: a claim on PostgreSQL, whose statements are pipelined, reads the
// key's lease only once it holds the key's lock: a claim waiting on the lock of a transaction
// that gives the key a lease sees that lease (ErrKeyBusy) once the transaction commits, not
// the free key it would have read before waiting.
func TestClaimReadsAfterKeyLock(t *testing.T) {
	be := backends[1]
	if be.name != "postgres" {
		t.Fatalf("backends[1] is %s", be.name)
	}
	ctx := context.Background()
	s, target := be.open(t)
	other := be.reopen(t, target)
	r, _, err := s.Intake(ctx, req("lockorder", "d"), "m")
	if err != nil {
		t.Fatal(err)
	}
	claimed := make(chan error, 1)
	err = s.tx(ctx, func(tx *tx) error {
		if err := tx.lockKey(r.ImageKey); err != nil {
			return err
		}
		if err := tx.Write(`INSERT INTO leases (image_key, build_id, owner, token, expires_ms) VALUES (?, 'holder', 'h/1/1', 7, ?)`,
			r.ImageKey, int64(1)<<50); err != nil {
			return err
		}
		if err := tx.q.Flush(ctx); err != nil {
			return err
		}
		go func() {
			_, _, err := other.ClaimBuild(ctx, r.ID, Owner("o/2/1"), time.Hour, "")
			claimed <- err
		}()
		for { // until the claim waits for the key's lock
			var waiting int
			if err := s.queryRow(ctx, `SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
				AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`).Scan(&waiting); err != nil {
				return err
			}
			if waiting > 0 {
				return nil
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := <-claimed; !errors.Is(err, ErrKeyBusy) {
		t.Fatalf("a claim that waited for the key's lock: %v, want ErrKeyBusy (it read the lease before the lock)", err)
	}
}
