package state

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/packuilon/packuilon/internal/testenv"
)

// TestPostgresPassword: the password comes from a file or PGPASSFILE; one in the URL is
// refused, and no error shows a password.
func TestPostgresPassword(t *testing.T) {
	pg := testenv.SharedPostgres(t)
	url := pg.NewDatabase(t)
	raw, err := os.ReadFile(pg.PasswordFile)
	if err != nil {
		t.Fatal(err)
	}
	pw := strings.TrimSpace(string(raw))
	withPW := strings.Replace(url, "packuilon@", "packuilon:"+pw+"@", 1)
	if _, err := Open(withPW); err == nil || strings.Contains(err.Error(), pw) || !strings.Contains(err.Error(), "password file") {
		t.Fatalf("a password in the URL: %v", err)
	}
	wrong := filepath.Join(t.TempDir(), "wrong")
	os.WriteFile(wrong, []byte("not-"+pw+"\n"), 0o600)
	if _, err := Open(url, WithPasswordFile(wrong)); err == nil || strings.Contains(err.Error(), pw) {
		t.Fatalf("a wrong password: %v", err)
	}
	if _, err := Open(url, WithPasswordFile(filepath.Join(t.TempDir(), "missing"))); err == nil {
		t.Fatal("a missing password file was accepted")
	}
	passfile := filepath.Join(t.TempDir(), "pgpass")
	os.WriteFile(passfile, []byte(fmt.Sprintf("127.0.0.1:%d:*:packuilon:%s\n", pg.Port, pw)), 0o600)
	t.Setenv("PGPASSFILE", passfile)
	s := mustOpen(t, url)
	if s.Backend() != "postgres" || strings.Contains(s.Path(), pw) {
		t.Fatalf("store %s at %s", s.Backend(), s.Path())
	}
}

// TestRollbackLog: the rollback log (migration 5) works on both back-ends.
func TestRollbackLog(t *testing.T) {
	eachBackend(t, func(t *testing.T, be backend) {
		ctx := context.Background()
		s, _ := be.open(t)
		for i := 0; i < 2; i++ {
			if err := s.RecordRollback(ctx, "k", "img-old", "img-new", "alice"); err != nil {
				t.Fatal(err)
			}
		}
		if n, err := s.CountRollbacks(ctx); err != nil || n != 2 {
			t.Fatalf("count = %d, %v; want 2", n, err)
		}
		rs, err := s.Rollbacks(ctx, 10)
		if err != nil || len(rs) != 2 || rs[0].ImageKey != "k" || rs[0].CurrentID != "img-old" || rs[0].By != "alice" {
			t.Fatalf("rollbacks = %+v, %v; want 2 of k, img-old, by alice", rs, err)
		}
	})
}
