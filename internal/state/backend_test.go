package state

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/packuilon/packuilon/internal/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

// backend opens stores of one back-end for the store tests: every test runs on both.
type backend struct {
	name string
	// open returns a fresh empty store and its target (path or URL).
	open func(t testing.TB) (*Store, string)
	// reopen opens target again, as a second process would.
	reopen func(t testing.TB, target string) *Store
}

var backends = []backend{
	{
		name: "sqlite",
		open: func(t testing.TB) (*Store, string) {
			path := filepath.Join(t.TempDir(), "builds.db")
			return mustOpen(t, path), path
		},
		reopen: func(t testing.TB, path string) *Store { return mustOpen(t, path) },
	},
	{
		name: "postgres",
		open: func(t testing.TB) (*Store, string) {
			pg := testenv.SharedPostgres(t)
			url := pg.NewDatabase(t)
			return mustOpen(t, url, WithPasswordFile(pg.PasswordFile)), url
		},
		reopen: func(t testing.TB, url string) *Store {
			return mustOpen(t, url, WithPasswordFile(testenv.SharedPostgres(t).PasswordFile))
		},
	},
}

func mustOpen(t testing.TB, target string, opts ...Option) *Store {
	t.Helper()
	s, err := Open(target, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// eachBackend runs fn once per back-end, as subtests named after it.
func eachBackend(t *testing.T, fn func(t *testing.T, be backend)) {
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) { fn(t, be) })
	}
}
