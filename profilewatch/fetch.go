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
	return fetchEach(ctx, src, names, parallel, o, nil, func(int, fetched) {})
}

// fetchEach is fetchAll that also calls each, in the caller's goroutine, with every result as
// soon as it is ready (in the order they come), and its index in names. A profile pf (if not
// nil) fetched already, or is fetching, is taken from it.
func fetchEach(ctx context.Context, src Source, names []string, parallel int, o event.ProfileOptions, pf *prefetcher, each func(i int, f fetched)) []fetched {
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
				if fut := pf.take(names[i]); fut != nil {
					<-fut.done
					out[i] = fut.f
				} else {
					pf.wait() // so that no more than parallel fetches run at once
					out[i], buf = fetchOne(ctx, src, names[i], o, buf)
				}
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

// prefetcher fetches and reads profiles named before the list of those to fetch is complete
// (the candidates the streamed diff finds while the index is parsed), parallel at a time.
type prefetcher struct {
	ctx     context.Context
	src     Source
	o       event.ProfileOptions
	mu      sync.Mutex
	futures map[string]*future
	jobs    chan string
	closed  bool
	wg      sync.WaitGroup
}

// future is a prefetched profile; f is set once done is closed.
type future struct {
	done chan struct{}
	f    fetched
}

// prefetchQueue bounds the names waiting for a prefetch worker; more are fetched later as usual.
const prefetchQueue = 4096

func newPrefetcher(ctx context.Context, src Source, parallel int, o event.ProfileOptions) *prefetcher {
	p := &prefetcher{ctx: ctx, src: src, o: o, futures: map[string]*future{}, jobs: make(chan string, prefetchQueue)}
	for range max(parallel, 1) {
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			var buf []byte
			for name := range p.jobs {
				p.mu.Lock()
				fut := p.futures[name]
				p.mu.Unlock()
				fut.f, buf = fetchOne(ctx, src, name, o, buf)
				close(fut.done)
			}
		}()
	}
	return p
}

// add starts fetching name, unless it is already, or the queue is full.
func (p *prefetcher) add(name string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || p.futures[name] != nil {
		return
	}
	fut := &future{done: make(chan struct{})}
	select {
	case p.jobs <- name:
		p.futures[name] = fut
	default:
	}
}

// close takes no more names; it may be called more than once.
func (p *prefetcher) close() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.closed {
		p.closed = true
		close(p.jobs)
	}
}

// wait returns once the prefetcher is closed and its fetches are done.
func (p *prefetcher) wait() {
	if p != nil {
		p.wg.Wait()
	}
}

// take returns the future of name, or nil when it was not prefetched.
func (p *prefetcher) take(name string) *future {
	if p == nil {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.futures[name]
}

// stop ends the prefetcher: when the scan ended early the fetches still running are cancelled
// (cancel), then its workers are waited for.
func (p *prefetcher) stop(cancel context.CancelFunc) {
	p.close()
	done := make(chan struct{})
	go func() { p.wg.Wait(); close(done) }()
	select {
	case <-done:
	default:
		cancel()
		<-done
	}
}
