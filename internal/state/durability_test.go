package state

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/packuilon/packuilon/internal/testenv"
)

// TestPostgresCommitsAreDurable: on PostgreSQL, the store's sessions run with
// synchronous_commit on (TestCommitDurability: on in its durable transactions, off in the lazy
// ones), on a server with fsync on, read through the store's own pool, and a recorded request
// survives an immediate shutdown of the server right after Intake returned (SIGQUIT to the
// postmaster, as pg_ctl stop -m immediate: no checkpoint, the restart recovers from the WAL).
// Once the server runs with fsync off, the store refuses to open.
//
// What it cannot show: the server's processes die, not the machine, so what PostgreSQL wrote
// to the kernel survives in its page cache even without an fsync. The crash shows the commit
// was in the WAL when Intake returned; the settings are what makes PostgreSQL fsync that WAL
// before it answers the COMMIT. That the disk honours the flush is beyond a test here.
func TestPostgresCommitsAreDurable(t *testing.T) {
	testenv.Need(t, "/usr/lib/postgresql/15/bin/postgres")
	pg, err := testenv.StartPostgres("") // a server of its own: the test crashes it
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Stop()
	url, err := pg.CreateDatabase("durable")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	s := mustOpen(t, url, WithPasswordFile(pg.PasswordFile))
	show := func(name string) string {
		t.Helper()
		var v string
		if err := s.db.QueryRowContext(ctx, `SHOW `+name).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	if v := show("fsync"); v != "on" {
		t.Errorf("fsync = %s on the server, want on", v)
	}
	if v := show("synchronous_commit"); v != "on" {
		t.Errorf("synchronous_commit = %s in the store's sessions, want on", v)
	}
	rec, _, err := s.Intake(ctx, req("durable", "d1"), "m1")
	if err != nil {
		t.Fatal(err)
	}
	if err := pg.Crash(); err != nil {
		t.Fatal(err)
	}
	if err := pg.Restart(); err != nil {
		t.Fatal(err)
	}
	if log, err := pg.Log(); err != nil || !strings.Contains(log, "automatic recovery in progress") {
		t.Fatalf("the server's log shows no recovery after the crash (%v):\n%s", err, log)
	}
	after := mustOpen(t, url, WithPasswordFile(pg.PasswordFile))
	got, err := after.Get(ctx, rec.ID)
	if err != nil || got.State != Queued || got.MessageID != "m1" {
		t.Fatalf("the request recorded before the crash: %s, %v; want it queued", got.State, err)
	}
	if j, err := after.Journal(ctx, rec.ID); err != nil || len(j) != 1 || !strings.HasPrefix(j[0].Message, "request recorded") {
		t.Fatalf("its journal: %+v, %v", j, err)
	}

	if _, err := after.db.ExecContext(ctx, `ALTER SYSTEM SET fsync = off`); err != nil {
		t.Fatal(err)
	}
	if _, err := after.db.ExecContext(ctx, `SELECT pg_reload_conf()`); err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ { // the server reloads its configuration on its own time
		conn, err := after.db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var fsync string
		err = conn.QueryRowContext(ctx, `SHOW fsync`).Scan(&fsync)
		conn.Close()
		if err != nil || fsync == "off" {
			break
		}
		if i == 100 {
			t.Fatal("the server still runs with fsync on after its reload")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if s, err := Open(url, WithPasswordFile(pg.PasswordFile)); err == nil || !strings.Contains(err.Error(), "fsync off") {
		if s != nil {
			s.Close()
		}
		t.Fatalf("open on a server running with fsync off: %v; want it refused", err)
	}
}

// TestSessionsCommitSynchronously: a database (or role, or server) whose synchronous_commit is
// off would make the store's durable commits return before their WAL reaches the disk: the
// store's sessions start with it on, and its lazy transactions still set it off.
func TestSessionsCommitSynchronously(t *testing.T) {
	pg := testenv.SharedPostgres(t)
	url := pg.NewDatabase(t)
	ctx := context.Background()
	s := mustOpen(t, url, WithPasswordFile(pg.PasswordFile))
	if _, err := s.db.ExecContext(ctx, `DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET synchronous_commit = off', current_database()); END $$`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = mustOpen(t, url, WithPasswordFile(pg.PasswordFile))
	var v string
	if err := s.db.QueryRowContext(ctx, `SHOW synchronous_commit`).Scan(&v); err != nil || v != "on" {
		t.Fatalf("synchronous_commit = %q (%v) in the store's sessions on a database that sets it off; want on", v, err)
	}
	for _, durable := range []bool{true, false} {
		err := s.txSync(ctx, durable, func(t *tx) error { return t.QueryRow(`SHOW synchronous_commit`).Scan(&v) })
		if want := map[bool]string{true: "on", false: "off"}[durable]; err != nil || v != want {
			t.Fatalf("synchronous_commit = %q (%v) in a transaction durable %v; want %s", v, err, durable, want)
		}
	}
}
