package event

import (
	"fmt"
	"sync"
	"testing"

	"github.com/packuilon/packuilon/internal/canon"
)

// TestReadersBounded: a daemon reloaded with many IGNORE_PATHS keeps at most maxReaders
// compiled sets, and reading with the current set compiles nothing more, whatever the number
// of messages or of goroutines reading them.
func TestReadersBounded(t *testing.T) {
	body := readProfile(t, "profile-domain-sl7.json")
	lim := canon.Limits{MaxValues: MaxValues}
	before := readers.compiles
	var current ProfileOptions
	var digests []string
	for i := range 20 {
		current = ProfileOptions{IgnorePaths: []string{fmt.Sprintf("/system/reload%d", i), "/system/network/interfaces"}, Limits: lim}
		_, d, err := ReadProfile(body, current)
		if err != nil {
			t.Fatal(err)
		}
		digests = append(digests, d)
		if n := readers.len(); n > maxReaders {
			t.Fatalf("after %d option sets the cache holds %d, want at most %d", i+1, n, maxReaders)
		}
	}
	if got := readers.compiles - before; got != 20 {
		t.Errorf("20 option sets compiled %d times, want 20", got)
	}
	before = readers.compiles
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				// A fresh slice of the same paths (as a reloaded config makes) is the same set.
				o := current
				o.IgnorePaths = append([]string(nil), current.IgnorePaths...)
				if _, d, err := ReadProfile(body, o); err != nil || d != digests[19] {
					t.Errorf("read with the current set: %v, digest %s want %s", err, d, digests[19])
				}
			}
		}()
	}
	wg.Wait()
	if got := readers.compiles - before; got != 0 {
		t.Errorf("reading with the current set compiled %d times, want 0", got)
	}
	// A set dropped from the cache still reads the same, compiled again.
	_, d, err := ReadProfile(body, ProfileOptions{IgnorePaths: []string{"/system/reload0", "/system/network/interfaces"}, Limits: lim})
	if err != nil || d != digests[0] || readers.compiles-before != 1 {
		t.Errorf("the oldest set again: %v, digest %s want %s, %d compiles want 1", err, d, digests[0], readers.compiles-before)
	}
}
