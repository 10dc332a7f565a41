package profilewatch

import (
	"context"
	"sync"

	"github.com/packuilon/packuilon/internal/amqp"
	"github.com/packuilon/packuilon/internal/event"
)

// sender publishes a scan's build requests one by one as their profiles are read, on the
// connection dialled early, and waits for all the confirms at the end: the broker stores the
// first requests while the last profiles are still fetched.
type sender struct {
	s     *Scanner
	early chan connection
	mu    sync.Mutex
	// started: a request was sent (or tried); stopped: the scan was cancelled before that;
	// closed: the connection is closed.
	started, stopped, closed bool
	conn                     connection
	ctx                      context.Context // bounds the sends by PUBLISH_TIMEOUT from the first
	cancel                   context.CancelFunc
	pending                  []amqp.Deferred
	keys                     []string // the cache key of each pending request's profile
	err                      error
}

func newSender(s *Scanner, early chan connection) *sender {
	return &sender{s: s, early: early, cancel: func() {}}
}

// stopUnlessStarted stops the sender when it has sent nothing yet, and reports whether it is
// stopped: a scan cancelled before its first publish publishes nothing.
func (p *sender) stopUnlessStarted() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.started {
		p.stopped = true
	}
	return p.stopped
}

// send publishes r, the request for the profile cached under key, without waiting for its
// confirm; after a failure it sends nothing more and wait returns the failure.
func (p *sender) send(key string, r event.BuildRequest) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopped || p.err != nil {
		return
	}
	if !p.started {
		p.started = true
		if p.s.firstSend != nil {
			p.s.firstSend()
		}
		p.ctx, p.cancel = context.WithTimeout(context.Background(), p.s.w.PublishTimeout)
		c, ok := <-p.early
		if ok {
			close(p.early) // taken: the scan's deferred clean-up leaves it alone
		} else {
			c = connect(p.ctx, p.s.g, p.s.log)
		}
		p.conn = c
		if c.err != nil {
			p.err = c.err // connect already retried by dialPolicy
			return
		}
		if p.s.afterConnect != nil {
			p.s.afterConnect()
		}
	}
	d, err := p.conn.sendOne(p.ctx, r)
	if err != nil {
		p.err = err
		return
	}
	p.pending = append(p.pending, d)
	p.keys = append(p.keys, key)
	if p.s.afterSend != nil {
		p.s.afterSend(len(p.pending), d)
	}
}

// confirmed is the cache keys of the requests the broker has confirmed so far: after a failure,
// those are safe in the queue whatever became of the others.
func (p *sender) confirmed() map[string]bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	acked := map[string]bool{}
	for i, d := range p.pending {
		if d.Acked() {
			acked[p.keys[i]] = true
		}
	}
	return acked
}

// wait returns once every request sent is confirmed, or the first failure.
func (p *sender) wait(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.err != nil {
		return p.err
	}
	for _, d := range p.pending {
		if err := d.Wait(ctx); err != nil {
			return err
		}
	}
	return nil
}

// close closes the connection the sender took; it may be called more than once.
func (p *sender) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.closed {
		p.closed = true
		p.cancel()
		p.conn.close()
	}
}
