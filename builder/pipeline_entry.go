package builder

import (
	"context"
	"fmt"
)

// entryOverlapper is a stage that starts while the pipeline writes the transition into it
// (the packer stage: packer starts one round trip to the store sooner). Until the write is
// done the stage does only what a crash may repeat on a resume: it writes to the store only
// through Build.Checkpoint, which waits for the transition first and returns its error; a
// stage stops at that error (packer's is interrupted the moment it runs: its process group
// is recorded before, so a resume after a crash ends it first, Pipeline.endPredecessor). A
// transition lost in a crash leaves the build at the stage before, which resumes there.
type entryOverlapper interface {
	Stage
	overlapsEntry()
}

// entry is a transition into a stage being written while the stage starts.
type entry struct {
	done chan struct{}
	err  error
}

// wait returns once the transition is written (at once for no entry), with its error.
func (e *entry) wait() error {
	if e == nil {
		return nil
	}
	<-e.done
	return e.err
}

// enterAsync starts writing the move into stage s (see enter) and returns at once.
func (p *Pipeline) enterAsync(ctx context.Context, w buildWriter, b *Build, s Stage, unsaved bool) *entry {
	e := &entry{done: make(chan struct{})}
	write, err := entryWrite(w, b, s, unsaved) // what the stage before produced, as it is now
	if err != nil {
		e.err = err
		close(e.done)
		return e
	}
	go func() {
		defer close(e.done)
		e.err = write(ctx)
	}()
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
