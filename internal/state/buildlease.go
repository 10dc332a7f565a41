package state

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// ErrKeyBusy is returned by Claim when another build of the image key holds the key's lease
// (on this builder or another): at most one build per key runs, across every builder.
var ErrKeyBusy = errors.New("another build of this image key is running")

// ErrOlderWaits is returned by Claim when an older build of the image key waits in the queue
// (retried, approved, or taken back from a builder that stopped): builds of a key start oldest
// first, or the older one's image would be promoted after the newer one's. The build stays
// queued; a dispatch round that reads the queue starts the older one first.
var ErrOlderWaits = errors.New("an older build of this image key waits in the queue")

// olderQueued is the expression, over a build's row (builds), of the id of the oldest build
// of its key queued before it ("" for none). The index on (image_key, state) serves it on
// both back-ends (on SQLite it holds seq too, the rowid).
const olderQueued = `COALESCE((SELECT o.id FROM builds o WHERE o.image_key = builds.image_key AND o.state = 'queued'
	AND o.seq < builds.seq ORDER BY o.seq LIMIT 1), '')`

// ErrFenced is returned for a write with a stale fencing token: the build's lease expired and
// another builder took the build over. The writer must stop working on it.
var ErrFenced = errors.New("lease lost: another builder took the build over")

// fence is what every write of a leased build presents.
type fence struct {
	owner Owner
	token int64
}

// held is a key's lease row as a transaction read it: build "" when no build holds it.
type held struct {
	build, owner string
	token        int64
}

// check fails with ErrFenced unless the key's lease names build id, owner and token.
func (f *fence) check(t *tx, key, id string) error {
	var h held
	err := t.QueryRow(`SELECT build_id, owner, token FROM leases WHERE image_key = ?`, key).Scan(&h.build, &h.owner, &h.token)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	return f.matches(h, key, id)
}

// matches is check on the lease row h of key, read already.
func (f *fence) matches(h held, key, id string) error {
	if h.build == "" && h.token == 0 {
		return fmt.Errorf("%w (build %s holds no lease)", ErrFenced, id)
	}
	if h.build != id || h.owner != string(f.owner) || h.token != f.token {
		return fmt.Errorf("%w (build %s, token %d; the lease of %s is at token %d)", ErrFenced, id, f.token, key, h.token)
	}
	return nil
}

// BuildLease is one builder's claim on one build: its writes go through the lease and carry its
// fencing token; Renew keeps it alive.
type BuildLease struct {
	s     *Store
	id    string
	key   string
	ttl   time.Duration
	fence fence
	// entered is the stage the claim moved the build into (ClaimBuildInto), if any.
	entered string
}

// Entered is the stage the claim moved a new build into, "" when it moved it into none.
func (l *BuildLease) Entered() string { return l.entered }

// Token is the lease's fencing token: it grows with every claim of the key.
func (l *BuildLease) Token() int64 { return l.fence.token }

// ClaimBuild takes the lease of a queued build's key for owner, for ttl, and starts the build's
// next attempt (as Start does) in the same transaction. It fails with ErrNotQueued if the
// build left the queue, with ErrKeyBusy if any build of its key holds the lease, even an
// expired one (ReapExpired requeues that build first, so the older build resumes first), and
// with ErrOlderWaits if an older build of its key is queued. The claim reads that in the query
// that reads the build and its lease, under the key's lock, which every writer that puts a
// build of the key back in the queue takes too (no round trip more).
func (s *Store) ClaimBuild(ctx context.Context, id string, owner Owner, ttl time.Duration, fingerprint string) (*BuildLease, Record, error) {
	return s.ClaimBuildInto(ctx, id, owner, ttl, fingerprint, "", "")
}

// ClaimBuildInto is ClaimBuild that also moves a new build (one that never entered a stage)
// into its first stage st, stage in the same transaction, as Transition would: one commit
// instead of two on the way to the first stage. A build resumed at a stage is only claimed
// (the pipeline decides where it resumes); Entered says which happened.
func (s *Store) ClaimBuildInto(ctx context.Context, id string, owner Owner, ttl time.Duration, fingerprint string, st State, stage string) (*BuildLease, Record, error) {
	l := &BuildLease{s: s, id: id, ttl: ttl, fence: fence{owner: owner}}
	var rec Record
	err := s.txLazy(ctx, func(t *tx) error {
		if err := t.lockBuild(id); err != nil {
			return err
		}
		var h held
		var older string
		var err error
		if rec, h, err = readHeldAnd(t, id, olderQueued, &older); err != nil {
			return err
		}
		l.key = rec.ImageKey
		if h.build != "" {
			return fmt.Errorf("%w (build %s of %s, on %s)", ErrKeyBusy, h.build, l.key, h.owner)
		}
		if rec.State != Queued {
			return fmt.Errorf("%w (build %s is %s)", ErrNotQueued, id, rec.State)
		}
		if older != "" {
			return fmt.Errorf("%w (build %s of %s runs first)", ErrOlderWaits, older, l.key)
		}
		l.fence.token = h.token + 1
		rec.Attempt++
		if fingerprint != "" {
			rec.Fingerprint = fingerprint
		}
		rec.Message, rec.Error = "", ""
		var j journalRows
		msg := fmt.Sprintf("attempt %d started by %s (lease %d)", rec.Attempt, owner, l.fence.token)
		if stage != "" && rec.Stage == "" { // a new build: into its first stage in the same row update
			j.add(id, rec.State, rec.Stage, msg)
			msg, _ = transition(&rec, st, stage)
			l.entered = stage
		}
		j.add(id, rec.State, rec.Stage, msg)
		if err := saveRecord(t, &rec); err != nil {
			return err
		}
		if err := j.insert(t); err != nil {
			return err
		}
		return writeLease(t, l)
	})
	if err != nil {
		return nil, rec, fmt.Errorf("claim build %s: %w", id, err)
	}
	return l, rec, nil
}

// writeLease gives l's key lease to l's build, owner and token, until its ttl from now on the
// store's clock (computed in the statement).
func writeLease(t *tx, l *BuildLease) error {
	return t.Write(`INSERT INTO leases (image_key, build_id, owner, token, expires_ms) VALUES (?, ?, ?, ?, `+t.d.clockSQL+` + ?)
		ON CONFLICT (image_key) DO UPDATE SET build_id = excluded.build_id, owner = excluded.owner,
		token = excluded.token, expires_ms = excluded.expires_ms`,
		l.key, l.id, string(l.fence.owner), l.fence.token, l.ttl.Milliseconds())
}

// Renew extends the lease by its ttl from now. ErrFenced means the build was taken over: stop.
func (l *BuildLease) Renew(ctx context.Context) error {
	err := l.s.txLazy(ctx, func(t *tx) error {
		if err := t.lockKey(l.key); err != nil {
			return err
		}
		if err := l.fence.check(t, l.key, l.id); err != nil {
			return err
		}
		clock, err := t.clockMS()
		if err != nil {
			return err
		}
		_, err = t.Exec(`UPDATE leases SET expires_ms = ? WHERE image_key = ?`, clock+l.ttl.Milliseconds(), l.key)
		return err
	})
	if err != nil {
		return fmt.Errorf("renew the lease of build %s: %w", l.id, err)
	}
	return nil
}

// Transition is Store.Transition under the lease.
func (l *BuildLease) Transition(ctx context.Context, st State, stage string) (Record, error) {
	return l.s.write(ctx, l.id, &l.fence, false, func(_ *tx, r *Record) (string, error) { return transition(r, st, stage) })
}

// Progress is Store.Progress under the lease.
func (l *BuildLease) Progress(ctx context.Context, artifacts json.RawMessage, logPath, fingerprint string) error {
	_, err := l.s.write(ctx, l.id, &l.fence, false, func(_ *tx, r *Record) (string, error) {
		return progress(r, artifacts, logPath, fingerprint)
	})
	return err
}

// Advance is Store.Advance under the lease.
func (l *BuildLease) Advance(ctx context.Context, artifacts json.RawMessage, logPath, fingerprint string, st State, stage string) (Record, error) {
	return l.s.write(ctx, l.id, &l.fence, false, func(_ *tx, r *Record) (string, error) {
		return advance(r, artifacts, logPath, fingerprint, st, stage)
	})
}

// Finish is Store.Finish under the lease, and gives the lease back in the same transaction.
func (l *BuildLease) Finish(ctx context.Context, st State, msg string, cause error) (Record, error) {
	if !st.Terminal() {
		return Record{}, fmt.Errorf("finish build %s: %s is not an end state", l.id, st)
	}
	return l.s.write(ctx, l.id, &l.fence, true, func(t *tx, r *Record) (string, error) {
		if err := release(t, l.key); err != nil {
			return "", err
		}
		return finish(r, st, msg, cause)
	})
}

// Requeue puts an interrupted build back in the queue at its stage and gives the lease back,
// so any builder resumes it at once (the daemon is stopping, or gave the build up).
func (l *BuildLease) Requeue(ctx context.Context, why string) (Record, error) {
	return l.s.write(ctx, l.id, &l.fence, true, func(t *tx, r *Record) (string, error) {
		if err := release(t, l.key); err != nil {
			return "", err
		}
		endTiming(r, time.Now().UTC())
		r.State = Queued
		return why + "; will resume at stage " + r.Stage, nil
	})
}

// Release gives the lease back without changing the build: for a build that left the
// pipeline in a state no builder resumes by itself (awaiting approval, cancelled). Finish and
// Requeue release already; Release after them fails with ErrFenced and changes nothing.
func (l *BuildLease) Release(ctx context.Context) error {
	err := l.s.tx(ctx, func(t *tx) error {
		if err := t.lockKey(l.key); err != nil {
			return err
		}
		if err := l.fence.check(t, l.key, l.id); err != nil {
			return err
		}
		return release(t, l.key)
	})
	if err != nil {
		return fmt.Errorf("release the lease of build %s: %w", l.id, err)
	}
	return nil
}

// release frees the key's lease row, keeping its token so the next claim's token is higher.
func release(t *tx, key string) error {
	_, err := t.Exec(`UPDATE leases SET build_id = '', owner = '', expires_ms = 0 WHERE image_key = ?`, key)
	return err
}

// LeaseInfo is one held lease, for status and tests.
type LeaseInfo struct {
	ImageKey string    `json:"image_key"`
	BuildID  string    `json:"build_id"`
	Owner    Owner     `json:"owner"`
	Token    int64     `json:"token"`
	Expires  time.Time `json:"expires"`
}

// Leases returns the leases held now (expired ones included until a builder takes them back).
func (s *Store) Leases(ctx context.Context) ([]LeaseInfo, error) {
	rows, err := s.query(ctx, `SELECT image_key, build_id, owner, token, expires_ms FROM leases WHERE build_id <> '' ORDER BY image_key`)
	if err != nil {
		return nil, fmt.Errorf("read leases: %w", err)
	}
	return collect(rows, func(row scanner) (l LeaseInfo, err error) {
		var ms int64
		err = row.Scan(&l.ImageKey, &l.BuildID, &l.Owner, &l.Token, &ms)
		l.Expires = time.UnixMilli(ms).UTC()
		return l, err
	})
}
