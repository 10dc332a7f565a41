package state

import "context"

// ClaimLostError says a Lease's claim on an image key was lost while its holder worked on the
// key. It wraps ErrClaimLost.
type ClaimLostError struct {
	Key string
	// Why: "another process took it over", or that renewals failed for too long.
	Why string
}

func (e *ClaimLostError) Error() string { return "claim on image key " + e.Key + " lost: " + e.Why }

// Unwrap makes errors.Is(err, ErrClaimLost) hold.
func (e *ClaimLostError) Unwrap() error { return ErrClaimLost }

// WithLeases returns a context cancelled, with the lease's *ClaimLostError as its cause
// (context.Cause), as soon as any of leases is lost, and otherwise with parent. Work on the
// leases' keys runs under it so it stops beside a process that took a key over. The returned
// function releases its resources; call it when the work is done.
func WithLeases(parent context.Context, leases ...*Lease) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancelCause(parent)
	for _, l := range leases {
		go func() {
			select {
			case <-l.Lost():
				cancel(l.Err()) // the first cause stays
			case <-ctx.Done():
			}
		}()
	}
	return ctx, func() { cancel(context.Canceled) }
}

// Context is WithLeases(parent, l).
func (l *Lease) Context(parent context.Context) (context.Context, context.CancelFunc) {
	return WithLeases(parent, l)
}
