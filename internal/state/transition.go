package state

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// PromotingStage is the name of the builder's promotion stage, as recorded in Record.Stage.
const PromotingStage = "promoting"

// ErrNotRetryable is returned by Retry for a build that has not failed.
var ErrNotRetryable = errors.New("only failed or cancelled builds can be retried")

// ErrNewerBuild is returned by Retry and Approve for a build a newer build of its image key
// has gone past: resumed, its older image would be promoted over (or after) the newer one.
var ErrNewerBuild = errors.New("a newer build of the image key has gone further")

// update reads a build, lets fn change it and writes it back with a journal entry, all in one
// transaction. fn returns the journal message, or "" for no entry.
func (s *Store) update(ctx context.Context, id string, fn func(r *Record) (string, error)) (Record, error) {
	return s.write(ctx, id, nil, true, func(_ *tx, r *Record) (string, error) { return fn(r) })
}

// updateTx is update for a change that must also read other rows in the same transaction.
func (s *Store) updateTx(ctx context.Context, id string, fn func(t *tx, r *Record) (string, error)) (Record, error) {
	return s.write(ctx, id, nil, true, fn)
}

// write is update under the build's key lock and, when f is set, only while f is the build's
// current lease: a write with a stale fencing token fails with ErrFenced and changes nothing.
//
// A durable write's commit is on disk when write returns; see txLazy for the others.
func (s *Store) write(ctx context.Context, id string, f *fence, durable bool, fn func(t *tx, r *Record) (string, error)) (Record, error) {
	var out Record
	err := s.txSync(ctx, durable, func(t *tx) error {
		if err := t.lockBuild(id); err != nil {
			return err
		}
		var err error
		out, err = writeIn(t, id, f, fn)
		return err
	})
	if err != nil {
		return out, fmt.Errorf("update build %s: %w", id, err)
	}
	return out, nil
}

// writeIn is write's read-check-change-write inside t, whose caller holds the key lock.
func writeIn(t *tx, id string, f *fence, fn func(t *tx, r *Record) (string, error)) (Record, error) {
	r, h, err := readHeld(t, id)
	if err != nil {
		return r, err
	}
	if f != nil {
		if err := f.matches(h, r.ImageKey, id); err != nil {
			return r, err
		}
	}
	msg, err := fn(t, &r)
	if err != nil {
		return r, err
	}
	if err := saveRecord(t, &r); err != nil {
		return r, err
	}
	if msg != "" {
		if err := journal(t, id, r.State, r.Stage, msg); err != nil {
			return r, err
		}
	}
	return r, nil
}

// readHeld reads a build and its key's lease row (a zero held: no lease row), in one query
// where that saves a round trip.
func readHeld(t *tx, id string) (Record, held, error) { return readHeldAnd(t, id, "") }

// readHeldAnd is readHeld that also reads col, an expression over the build's row (named
// builds), into more, in the same query.
func readHeldAnd(t *tx, id, col string, more ...any) (Record, held, error) {
	var h held
	var r Record
	var err error
	if col != "" {
		col = ", " + col
	}
	if t.d.roundTrips {
		r, err = scanRecord(t.QueryRow(`SELECT `+recordCols+`, COALESCE(build_id, ''), COALESCE(owner, ''), COALESCE(token, 0)`+col+`
			FROM builds LEFT JOIN leases USING (image_key) WHERE id = ?`, id), append([]any{&h.build, &h.owner, &h.token}, more...)...)
	} else if r, err = scanRecord(t.QueryRow(`SELECT `+recordCols+col+` FROM builds WHERE id = ?`, id), more...); err == nil {
		err = t.QueryRow(`SELECT build_id, owner, token FROM leases WHERE image_key = ?`, r.ImageKey).Scan(&h.build, &h.owner, &h.token)
		if errors.Is(err, sql.ErrNoRows) {
			return r, held{}, nil
		}
	}
	if errors.Is(err, sql.ErrNoRows) {
		return r, h, fmt.Errorf("build %s: %w", id, ErrNotFound)
	}
	return r, h, err
}

// saveRecord writes r's changeable fields back to its row.
func saveRecord(t *tx, r *Record) error {
	timings, err := json.Marshal(r.Timings)
	if err != nil {
		return err
	}
	return t.Write(`UPDATE builds SET state = ?, stage = ?, fingerprint = ?, message = ?, error = ?,
		log_path = ?, artifacts = ?, attempt = ?, timings = ?, updated_at = ? WHERE id = ?`,
		string(r.State), r.Stage, r.Fingerprint, r.Message, r.Error, r.LogPath, string(r.Artifacts),
		r.Attempt, string(timings), now(), r.ID)
}

// endTiming closes the open timing of the current stage, if any.
func endTiming(r *Record, at time.Time) {
	if n := len(r.Timings); n > 0 && r.Timings[n-1].End.IsZero() {
		r.Timings[n-1].End = at
	}
}

// ErrNotQueued is returned by Start for a build that is no longer queued (superseded meanwhile,
// or already taken).
var ErrNotQueued = errors.New("build is not queued")

// Start claims a queued build: one more attempt, with the fingerprint computed at dispatch.
// It fails with ErrNotQueued if the build left the queue meanwhile, so a build superseded by
// a concurrent intake never runs. The state stays queued until the first stage begins; the
// attempt count keeps intake from superseding it from now on.
func (s *Store) Start(ctx context.Context, id, fingerprint string) (Record, error) {
	return s.update(ctx, id, func(r *Record) (string, error) {
		if r.State != Queued {
			return "", fmt.Errorf("%w (build %s is %s)", ErrNotQueued, id, r.State)
		}
		r.Attempt++
		if fingerprint != "" {
			r.Fingerprint = fingerprint
		}
		r.Message, r.Error = "", ""
		return fmt.Sprintf("attempt %d started", r.Attempt), nil
	})
}

// Transition moves a build into a stage: it closes the previous stage's timing and opens one
// for stage. This is the journal the pipeline resumes from after a crash.
func (s *Store) Transition(ctx context.Context, id string, st State, stage string) (Record, error) {
	return s.update(ctx, id, func(r *Record) (string, error) { return transition(r, st, stage) })
}

func transition(r *Record, st State, stage string) (string, error) {
	at := time.Now().UTC()
	endTiming(r, at)
	r.State, r.Stage = st, stage
	r.Timings = append(r.Timings, Timing{Stage: stage, Start: at})
	return "stage " + stage + " started", nil
}

// Progress saves what the stages produced so far (artifacts, log path, fingerprint once known),
// without a transition.
func (s *Store) Progress(ctx context.Context, id string, artifacts json.RawMessage, logPath, fingerprint string) error {
	_, err := s.update(ctx, id, func(r *Record) (string, error) { return progress(r, artifacts, logPath, fingerprint) })
	return err
}

// Advance is Progress and Transition in one transaction: what the stage that just ended
// produced, and the move into the next stage. A crash leaves both or neither.
func (s *Store) Advance(ctx context.Context, id string, artifacts json.RawMessage, logPath, fingerprint string, st State, stage string) (Record, error) {
	return s.update(ctx, id, func(r *Record) (string, error) { return advance(r, artifacts, logPath, fingerprint, st, stage) })
}

func advance(r *Record, artifacts json.RawMessage, logPath, fingerprint string, st State, stage string) (string, error) {
	if _, err := progress(r, artifacts, logPath, fingerprint); err != nil {
		return "", err
	}
	return transition(r, st, stage)
}

func progress(r *Record, artifacts json.RawMessage, logPath, fingerprint string) (string, error) {
	r.Artifacts, r.LogPath = artifacts, logPath
	if fingerprint != "" {
		r.Fingerprint = fingerprint
	}
	return "", nil
}

// Finish ends a build in a terminal state with a status message and, for failures, the error.
// The stage is kept, so a failed build says where it failed and retry knows where to resume.
func (s *Store) Finish(ctx context.Context, id string, st State, msg string, cause error) (Record, error) {
	if !st.Terminal() {
		return Record{}, fmt.Errorf("finish build %s: %s is not an end state", id, st)
	}
	return s.update(ctx, id, func(r *Record) (string, error) { return finish(r, st, msg, cause) })
}

func finish(r *Record, st State, msg string, cause error) (string, error) {
	endTiming(r, time.Now().UTC())
	r.State, r.Message = st, msg
	r.Error = ""
	if cause != nil {
		r.Error = cause.Error()
	}
	if msg == "" {
		return string(st), nil
	}
	return msg, nil
}

// Retry queues a failed (or cancelled) build again; it resumes at the stage it failed in,
// with the artifacts it had (Atmosphere's re-submit). The daemon picks it up from the store.
//
// A build is not retried once a newer build of its image key has succeeded or is queued or
// running: resumed, the old build would be promoted over (or after) the newer image. A build
// that failed in the promoting stage is the exception while no newer build has succeeded,
// reached that stage or runs: its tested image may be half promoted, and finishing the
// promotion gives users back the image name before the newer build replaces it. A newer build
// that waits (queued, or awaiting approval) starts only after it (ErrOlderWaits); one that runs
// would end first, and the old image would then be promoted after its. The check reads the
// other builds in the same transaction, so it cannot race with the daemon.
func (s *Store) Retry(ctx context.Context, id string) (Record, error) {
	return s.updateTx(ctx, id, func(t *tx, r *Record) (string, error) {
		if r.State != Failed && r.State != Cancelled {
			return "", fmt.Errorf("%w (build %s is %s)", ErrNotRetryable, id, r.State)
		}
		// A build that failed while promoting holds a tested image half way into Glance: it may
		// finish that promotion as long as no newer build has promoted, is promoting, or runs
		// (and would promote before it).
		if err := newerInTheWay(t, r, r.Stage == PromotingStage, "publish a new request instead"); err != nil {
			return "", err
		}
		r.State, r.Message, r.Error = Queued, "retry requested", ""
		return "retry requested; will resume at stage " + r.Stage, nil
	})
}

// newerInTheWay returns ErrNewerBuild, naming the newest such build and what to do (hint), when
// a build of r's key newer than r has not ended in failure: any such build when waiting is
// false; when waiting is true, only one that succeeded, promotes or runs, since a newer build
// that waits (queued, or awaiting approval) starts after r (ErrOlderWaits). It reads the other
// builds in t, under r's key lock, so it cannot race with the daemon.
func newerInTheWay(t *tx, r *Record, waiting bool, hint string) error {
	query := `SELECT id, state FROM builds WHERE image_key = ? AND seq > (SELECT seq FROM builds WHERE id = ?)
		AND state NOT IN (?, ?, ?, ?, ?) ORDER BY seq DESC LIMIT 1`
	if waiting {
		query = `SELECT id, state FROM builds WHERE image_key = ? AND seq > (SELECT seq FROM builds WHERE id = ?)
		AND state NOT IN (?, ?, ?, ?, ?) AND (state NOT IN ('queued', 'awaiting_approval') OR stage = 'promoting')
		ORDER BY seq DESC LIMIT 1`
	}
	var newer, newerState string
	err := t.QueryRow(query, r.ImageKey, r.ID, string(Failed), string(Cancelled), string(Superseded), string(Skipped), string(Denied)).Scan(&newer, &newerState)
	switch {
	case err == nil:
		return fmt.Errorf("%w (build %s of %s is %s, newer than %s; %s)", ErrNewerBuild, newer, r.ImageKey, newerState, r.ID, hint)
	case errors.Is(err, sql.ErrNoRows):
		return nil
	}
	return err
}
