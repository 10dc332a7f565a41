package state

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/packuilon/packuilon/internal/event"
)

// Intake records a validated request as a queued build, and in the same transaction marks
// every older request for the same key that has not started yet as superseded: requests for a
// busy key collapse into one pending build with the newest content. Builds that already ran
// (resumed or retried) are left alone. It returns the new record and the superseded ids.
//
// The caller acks the message only after Intake returned: the commit is on disk by then.
func (s *Store) Intake(ctx context.Context, req event.BuildRequest, messageID string) (Record, []string, error) {
	out, err := s.IntakeBatch(ctx, []Incoming{{Request: req, MessageID: messageID}})
	if err != nil {
		return Record{}, nil, err
	}
	return out[0].Record, out[0].Superseded, nil
}

// Incoming is one request for IntakeBatch.
type Incoming struct {
	Request   event.BuildRequest
	MessageID string
}

// Recorded is what IntakeBatch made of one request: its build, the builds it superseded, and
// the key's newest succeeded build and its fingerprint when the request was recorded ("" when
// none), as QueuedWithLast reads them: the dispatcher can start the build without reading
// the queue.
type Recorded struct {
	Record                         Record
	Superseded                     []string
	LastSucceeded, LastFingerprint string
}

// Waiting is the recorded build as QueuedWithLast would list it.
func (r Recorded) Waiting() Waiting {
	return Waiting{Record: r.Record, LastSucceeded: r.LastSucceeded, LastFingerprint: r.LastFingerprint}
}

// IntakeBatch records several requests in one transaction, in order, as Intake records one:
// one commit (one fsync) for the lot, so a burst of messages costs one disk flush. A later
// request in the batch supersedes an earlier one of the same key. Either every request is
// recorded or none is.
//
// Under the keys' locks it reads, for every key at once, the builds a request supersedes and
// the last success (on PostgreSQL in the locks' round trip), then writes everything with the
// commit: two round trips whatever the batch.
func (s *Store) IntakeBatch(ctx context.Context, in []Incoming) ([]Recorded, error) {
	keys := make([]string, len(in))
	for i, r := range in {
		keys[i] = r.Request.ImageKey
	}
	var out []Recorded
	err := s.tx(ctx, func(t *tx) error {
		out = out[:0]
		if err := t.lockKeys(keys); err != nil {
			return err
		}
		ks, err := readIntakeKeys(t, keys)
		if err != nil {
			return err
		}
		var j journalRows
		for _, r := range in {
			k := ks[r.Request.ImageKey]
			rec, sup, err := intakeOne(t, &j, k, r.Request, r.MessageID)
			if err != nil {
				return fmt.Errorf("record request for %s: %w", r.Request.ImageKey, err)
			}
			out = append(out, Recorded{Record: rec, Superseded: sup, LastSucceeded: k.last, LastFingerprint: k.lastFP})
		}
		return j.insert(t)
	})
	if err != nil {
		return nil, fmt.Errorf("record %d requests: %w", len(in), err)
	}
	return out, nil
}

// intakeKey is what intake knows of one image key: its builds that have not started (the
// ones a new request supersedes) and its last success.
type intakeKey struct {
	pending      []pendingBuild
	last, lastFP string
}

// pendingBuild is a queued build that never started, and whether its request is forced.
type pendingBuild struct {
	id    string
	force bool
}

// readIntakeKeys reads every key's intakeKey inside t, which holds the keys' locks.
func readIntakeKeys(t *tx, keys []string) (map[string]*intakeKey, error) {
	ks := map[string]*intakeKey{}
	for _, key := range keys {
		if ks[key] != nil {
			continue
		}
		k := &intakeKey{}
		ks[key] = k
		err := t.Read(`SELECT id, request FROM builds WHERE image_key = ? AND state = ? AND stage = '' AND attempt = 0`, func(row scanner) error {
			var id, body string
			if err := row.Scan(&id, &body); err != nil {
				return err
			}
			var prev event.BuildRequest
			k.pending = append(k.pending, pendingBuild{id: id, force: json.Unmarshal([]byte(body), &prev) == nil && prev.Force})
			return nil
		}, key, string(Queued))
		if err != nil {
			return nil, err
		}
		err = t.Read(`SELECT id, fingerprint FROM builds WHERE image_key = ? AND state = ? ORDER BY seq DESC LIMIT 1`,
			func(row scanner) error { return row.Scan(&k.last, &k.lastFP) }, key, string(Succeeded))
		if err != nil {
			return nil, err
		}
	}
	return ks, t.Flush()
}

// intakeOne records one request inside t (Intake), superseding k's pending builds; its journal
// entries go to j.
func intakeOne(t *tx, j *journalRows, k *intakeKey, req event.BuildRequest, messageID string) (Record, []string, error) {
	id := newID()
	var superseded []string
	for _, p := range k.pending {
		superseded = append(superseded, p.id)
		// A forced request stays forced when a newer one replaces it: otherwise the newer
		// one could be skipped and the force lost.
		if p.force {
			req.Force = true
		}
	}
	body, err := json.Marshal(req)
	if err != nil {
		return Record{}, nil, err
	}
	at := time.Now().UTC()
	ts := at.Format(time.RFC3339Nano)
	if err := t.Write(`INSERT INTO builds (id, image_key, state, request, message_id, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, id, req.ImageKey, string(Queued), string(body), messageID, ts, ts); err != nil {
		return Record{}, nil, err
	}
	j.add(id, Queued, "", "request recorded ("+req.Reason+")")
	for _, old := range superseded {
		msg := "superseded by " + id
		if err := t.Write(`UPDATE builds SET state = ?, message = ?, updated_at = ? WHERE id = ?`, string(Superseded), msg, ts, old); err != nil {
			return Record{}, nil, err
		}
		j.add(old, Superseded, "", msg)
	}
	// A later request of the key in the same batch supersedes this one.
	k.pending = []pendingBuild{{id: id, force: req.Force}}
	rec := Record{ID: id, ImageKey: req.ImageKey, State: Queued, Request: req, MessageID: messageID,
		Timings: []Timing{}, CreatedAt: at, UpdatedAt: at}
	return rec, superseded, nil
}
