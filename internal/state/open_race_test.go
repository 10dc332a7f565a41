package state

import (
	"path/filepath"
	"sync"
	"testing"
)

// TestConcurrentOpensOfANewStore: a daemon and a command (or a test) opening a store that does
// not exist yet at the same moment both get it. Turning a new file into a WAL database takes an
// exclusive lock that SQLite does not wait for with busy_timeout: the other opener got
// "database is locked" until openSQLite retried.
func TestConcurrentOpensOfANewStore(t *testing.T) {
	for round := range 100 {
		path := filepath.Join(t.TempDir(), "builds.db")
		var wg sync.WaitGroup
		errs := make([]error, 16)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s, err := Open(path)
				if err == nil {
					s.Close()
				}
				errs[i] = err
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("round %d, opener %d: %v", round, i, err)
			}
		}
	}
}
