package testenv

import "sync"

// profileHold holds a ProfileServer's profile responses after a given number (HoldAfter) until
// Release: a scan then stops after exactly that many profiles, for as long as a test needs
// (to cut the broker at a known point, say), instead of a delay that only makes it likely.
type profileHold struct {
	mu   sync.Mutex
	left int
	gate chan struct{} // nil: nothing held
}

// HoldAfter serves the next n profile requests as usual, then holds every later one (the
// index is never held) until Release. A held request whose client goes away ends at once.
func (s *ProfileServer) HoldAfter(n int) {
	h := &s.hold
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.gate == nil {
		h.gate = make(chan struct{})
	}
	h.left = n
}

// Release serves the requests held since HoldAfter, and every later one at once.
func (s *ProfileServer) Release() {
	h := &s.hold
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.gate != nil {
		close(h.gate)
		h.gate = nil
	}
}

// take counts one profile request and returns what it must wait for before its response:
// nil when it is not held.
func (h *profileHold) take() <-chan struct{} {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.gate == nil {
		return nil
	}
	if h.left > 0 {
		h.left--
		return nil
	}
	return h.gate
}
