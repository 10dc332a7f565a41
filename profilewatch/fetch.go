package profilewatch

import (
	"context"
	"fmt"
	"sync"

	"github.com/packuilon/packuilon/internal/event"
)

// fetched is the outcome for one candidate profile: its spec and digest, or why it failed.
type fetched struct {
	name   string
	spec   event.Spec
	digest string
	err    error
}

// fetchAll downloads, parses and extracts the named profiles with at most parallel at a time.
// Bodies are dropped as soon as the digest is taken, so memory stays near parallel × size cap
// whatever the number of candidates. Results are in the order of names. When ctx is done, the
// remaining profiles fail with ctx's error.
func fetchAll(ctx context.Context, src Source, names []string, parallel int, o event.ProfileOptions) []fetched {
	out := make([]fetched, len(names))
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range min(parallel, max(len(names), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				out[i] = fetchOne(ctx, src, names[i], o)
			}
		}()
	}
	for i := range names {
		if ctx.Err() != nil {
			out[i] = fetched{name: names[i], err: ctx.Err()}
			continue
		}
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	return out
}

func fetchOne(ctx context.Context, src Source, name string, o event.ProfileOptions) fetched {
	f := fetched{name: name}
	body, err := src.Fetch(ctx, name)
	if err != nil {
		f.err = fmt.Errorf("fetch: %w", err)
		return f
	}
	f.spec, f.digest, f.err = event.ReadProfile(body, o)
	return f
}
