package profilewatch

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestFetchEachNameTwice: fetchEach given a name twice, the first prefetched, delivers every
// index once, each with its own name (it waited forever for the first index, which neither the
// prefetched result nor a worker delivered).
func TestFetchEachNameTwice(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"a.json", "b.json"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(`{}`), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	src := &DirSource{Dir: dir, MaxSize: 1 << 20}
	halted := func() error { return nil }
	pf := newPrefetcher(context.Background(), halted, src, 2, readOptions{})
	defer pf.stop(func() {})
	pf.add("a.json")
	names := []string{"a.json", "b.json", "a.json"}
	seen := make([]int, len(names))
	done := make(chan []fetched)
	go func() {
		done <- fetchEach(context.Background(), halted, src, names, 2, readOptions{}, pf, func(i int, _ fetched) { seen[i]++ })
	}()
	select {
	case out := <-done:
		for i, f := range out {
			if f.name != names[i] || seen[i] != 1 {
				t.Errorf("result %d: name %q, delivered %d times; want %q once", i, f.name, seen[i], names[i])
			}
		}
	case <-time.After(time.Minute):
		t.Fatal("fetchEach did not return")
	}
}
