package builder

import (
	"context"
	"fmt"
	"sync"
)

// entryOverlapper is a stage that starts before the transition into it is written (the
// packer stage: packer starts without waiting for a round trip to the store). The write
// starts when the stage calls begin on Build.entry (packer's stage: once packer runs, so that
// the write does not compete with packer's start for the CPU) or at the stage's first
// Checkpoint, which waits for it and returns its error. Until then the stage does only what a
// crash may repeat on a resume, and writes to the store only through Checkpoint; it stops at
// that error (packer is interrupted the moment it runs: its process group is recorded before,
// so a resume after a crash ends it first, Pipeline.endPredecessor). A transition lost in a
// crash leaves the build at the stage before, which resumes there.
type entryOverlapper interface {
	Stage
	overlapsEntry()
}

// entry is the transition into an entryOverlapper stage, written from begin or the first wait.
type entry struct {
	once  sync.Once
	write func() error
	done  chan struct{}
	err   error
}

// begin starts writing the transition, if it has not started yet.
func (e *entry) begin() {
	if e == nil {
		return
	}
	e.once.Do(func() {
		go func() {
			defer close(e.done)
			e.err = e.write()
		}()
	})
}

// wait returns once the transition is written (at once for no entry), with its error.
func (e *entry) wait() error {
	if e == nil {
		return nil
	}
	e.begin()
	<-e.done
	return e.err
}

// enterLater prepares the move into stage s (see enter), written from the entry's begin or
// first wait.
func (p *Pipeline) enterLater(ctx context.Context, w buildWriter, b *Build, s Stage, unsaved bool) *entry {
	e := &entry{done: make(chan struct{})}
	write, err := entryWrite(w, b, s, unsaved) // what the stage before produced, as it is now
	if err != nil {
		write = func(context.Context) error { return err }
	}
	e.write = func() error { return write(ctx) }
	return e
}

// enter records the move into stage s, with what the previous stage produced when it is not
// saved yet (one transaction for both).
func (p *Pipeline) enter(ctx context.Context, w buildWriter, b *Build, s Stage, unsaved bool) error {
	write, err := entryWrite(w, b, s, unsaved)
	if err != nil {
		return err
	}
	return write(ctx)
}

// entryWrite is enter's write, with the build's progress encoded when it is called.
func entryWrite(w buildWriter, b *Build, s Stage, unsaved bool) (func(ctx context.Context) error, error) {
	st, name := stateFor(s.Name()), s.Name()
	if !unsaved {
		return func(ctx context.Context) error {
			_, err := w.Transition(ctx, st, name)
			return err
		}, nil
	}
	arts, err := artifactsJSON(b)
	if err != nil {
		return nil, fmt.Errorf("save build %s: %w", b.ID, err)
	}
	logPath, fp := b.LogPath, b.Fingerprint
	return func(ctx context.Context) error {
		_, err := w.Advance(ctx, arts, logPath, fp, st, name)
		return err
	}, nil
}
