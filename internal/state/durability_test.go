package state

import (
	"context"
	"strings"
	"testing"

	"github.com/packuilon/packuilon/internal/testenv"
)

// TestPostgresCommitsAreDurable: on PostgreSQL, the store's durable transactions (intake, ends
// of builds, the commands' writes) commit with synchronous_commit on, on a server with fsync
// on, read through the store's own pool, and a recorded request survives an immediate
// shutdown of the server right after Intake returned (SIGQUIT to the postmaster, as pg_ctl
// stop -m immediate: no checkpoint, the restart recovers from the WAL). The transactions on
// the way to packer (txLazy) commit without waiting for the disk, as documented.
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
	inTx := func(durable bool) string {
		t.Helper()
		var v string
		if err := s.txSync(ctx, durable, func(t *tx) error {
			return t.QueryRow(`SELECT current_setting('synchronous_commit')`).Scan(&v)
		}); err != nil {
			t.Fatal(err)
		}
		return v
	}
	if v := inTx(true); v != "on" {
		t.Errorf("synchronous_commit = %s in a durable transaction, want on", v)
	}
	if v := inTx(false); v != "off" {
		t.Errorf("synchronous_commit = %s in a lazy transaction, want off", v)
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
}
