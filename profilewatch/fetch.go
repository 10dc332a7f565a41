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
	return fetchEach(ctx, src, names, parallel, o, func(int, fetched) {})
}

// fetchEach is fetchAll that also calls each, in the caller's goroutine, with every result as
// soon as it is ready (in the order they come), and its index in names.
func fetchEach(ctx context.Context, src Source, names []string, parallel int, o event.ProfileOptions, each func(i int, f fetched)) []fetched {
	out := make([]fetched, len(names))
	jobs := make(chan int)
	done := make(chan int, len(names))
	var wg sync.WaitGroup
	for range min(parallel, max(len(names), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf []byte // each worker reads every body into the same buffer
			for i := range jobs {
				out[i], buf = fetchOne(ctx, src, names[i], o, buf)
				done <- i
			}
		}()
	}
	go func() {
		for i := range names {
			if ctx.Err() != nil {
				out[i] = fetched{name: names[i], err: ctx.Err()}
				done <- i
				continue
			}
			jobs <- i
		}
		close(jobs)
	}()
	for range names {
		i := <-done
		each(i, out[i])
	}
	wg.Wait()
	return out
}

// fetchOne fetches and reads one profile, into buf when the source can (bufferedSource). It
// returns the buffer to use for the next one.
func fetchOne(ctx context.Context, src Source, name string, o event.ProfileOptions, buf []byte) (fetched, []byte) {
	f := fetched{name: name}
	var body []byte
	var err error
	if bs, ok := src.(bufferedSource); ok {
		body, err = bs.fetchInto(ctx, name, buf[:0])
	} else {
		body, err = src.Fetch(ctx, name)
	}
	if err != nil {
		f.err = fmt.Errorf("fetch: %w", err)
		return f, buf
	}
	f.spec, f.digest, f.err = event.ReadProfile(body, o)
	if cap(body) <= maxReusedBody {
		buf = body
	}
	return f, buf
}

// bufferedSource reads a profile into a buffer it is given, so that a scan of hundreds of
// profiles does not allocate (and clear, and collect) a new body for each.
type bufferedSource interface {
	fetchInto(ctx context.Context, name string, buf []byte) ([]byte, error)
}

// maxReusedBody: a worker keeps a buffer up to this size for the next profile.
const maxReusedBody = 8 << 20
