package profilewatch

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/packuilon/packuilon/internal/event"
)

// fetched is the outcome for one candidate profile: its spec and digest, or why it failed.
type fetched struct {
	name   string
	spec   event.Spec
	digest string
	// sha256 is the digest an earlier version would have cached ("sha256:<hex>"), taken only
	// when the profile's cache entry holds one (readOptions.sha256).
	sha256 string
	err    error
}

// readOptions are how a scan reads its profiles.
type readOptions struct {
	event.ProfileOptions
	// sha256, when not nil, reports whether name's cache entry holds the SHA-256 digest an
	// earlier version cached: such a profile's SHA-256 is taken too, so that an unchanged
	// profile is not published again after an upgrade. It is called while the cache is read only.
	sha256 func(name string) bool
}

// errStopped is why a candidate was not fetched: the scan was stopped (its context cancelled)
// after its first request was sent. Like a failed fetch it keeps its cache entry, so the next
// scan finds it again.
var errStopped = errors.New("not fetched: the scan was stopped; the next scan fetches it")

// fetchAll downloads, parses and extracts the named profiles with at most parallel at a time.
// Bodies are dropped as soon as the digest is taken, so memory stays near parallel × size cap
// whatever the number of candidates. Results are in the order of names. When ctx is done, the
// remaining profiles fail with ctx's error.
func fetchAll(ctx context.Context, src Source, names []string, parallel int, o readOptions) []fetched {
	return fetchEach(ctx, ctx.Err, src, names, parallel, o, nil, func(int, fetched) {})
}

// fetchEach is fetchAll that also calls each, in the caller's goroutine, with every result as
// soon as it is ready (in the order they come), and its index in names. A profile pf (if not
// nil) fetched already, or is fetching, is taken from it, in the order pf fetches them: the
// first result comes with the first fetch done, whatever the index's order. Fetches run under
// ctx; none starts once halted returns an error: the profiles not started fail with it.
func fetchEach(ctx context.Context, halted func() error, src Source, names []string, parallel int, o readOptions, pf *prefetcher, each func(i int, f fetched)) []fetched {
	out := make([]fetched, len(names))
	jobs := make(chan int)
	done := make(chan int, len(names))
	prefetched := pf.index(names)
	go func() {
		for _, fut := range prefetched {
			<-fut.done
			out[fut.i] = fut.f
			done <- fut.i
		}
	}()
	var wg sync.WaitGroup
	for range min(parallel, max(len(names), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf []byte // each worker reads every body into the same buffer
			for i := range jobs {
				pf.wait() // so that no more than parallel fetches run at once
				out[i], buf = fetchUnlessHalted(ctx, halted, src, names[i], o, buf)
				done <- i
			}
		}()
	}
	go func() {
		for i := range names {
			if fut := pf.take(names[i]); fut != nil && fut.i == i {
				continue // delivered by the prefetched loop above
			}
			if err := halted(); err != nil {
				out[i] = fetched{name: names[i], err: err}
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
func fetchOne(ctx context.Context, src Source, name string, o readOptions, buf []byte) (fetched, []byte) {
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
	if o.sha256 != nil && o.sha256(name) {
		f.spec, f.digest, f.sha256, f.err = event.ReadProfileWithSHA256(body, o.ProfileOptions)
	} else {
		f.spec, f.digest, f.err = event.ReadProfile(body, o.ProfileOptions)
	}
	if cap(body) <= maxReusedBody {
		buf = body
	}
	return f, buf
}

// fetchUnlessHalted is fetchOne, unless halted returns an error: then name fails with it, unfetched.
func fetchUnlessHalted(ctx context.Context, halted func() error, src Source, name string, o readOptions, buf []byte) (fetched, []byte) {
	if err := halted(); err != nil {
		return fetched{name: name, err: err}, buf
	}
	return fetchOne(ctx, src, name, o, buf)
}

// bufferedSource reads a profile into a buffer it is given, so that a scan of hundreds of
// profiles does not allocate (and clear, and collect) a new body for each.
type bufferedSource interface {
	fetchInto(ctx context.Context, name string, buf []byte) ([]byte, error)
}

// maxReusedBody: a worker keeps a buffer up to this size for the next profile.
const maxReusedBody = 8 << 20

// prefetcher fetches and reads profiles named before the list of those to fetch is complete
// (the candidates the streamed diff finds while the index is parsed), parallel at a time. Once
// the halted it was made with returns an error it starts no fetch: the names queued fail with it.
type prefetcher struct {
	ctx     context.Context
	src     Source
	o       readOptions
	mu      sync.Mutex
	futures map[string]*future
	order   []*future // the futures in the order they were queued
	jobs    chan string
	closed  bool
	wg      sync.WaitGroup
}

// future is a prefetched profile; f is set once done is closed. i is its index in the names
// fetchEach was given.
type future struct {
	done chan struct{}
	f    fetched
	i    int
}

// prefetchQueue bounds the names waiting for a prefetch worker; more are fetched later as usual.
const prefetchQueue = 4096

func newPrefetcher(ctx context.Context, halted func() error, src Source, parallel int, o readOptions) *prefetcher {
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
				fut.f, buf = fetchUnlessHalted(ctx, halted, src, name, o, buf)
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
		p.order = append(p.order, fut)
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

// index closes p and returns its futures of names, in the order they were queued, each with
// its index in names.
func (p *prefetcher) index(names []string) []*future {
	if p == nil {
		return nil
	}
	p.close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, fut := range p.order {
		fut.i = -1
	}
	for i, name := range names {
		if fut := p.futures[name]; fut != nil {
			fut.i = i
		}
	}
	out := p.order[:0]
	for _, fut := range p.order {
		if fut.i >= 0 {
			out = append(out, fut)
		}
	}
	p.order = out
	return out
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
