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
	// Claim, when set, claims the recorded build in the same transaction (see IntakeClaim).
	Claim *IntakeClaim
}

// IntakeClaim asks IntakeBatch to claim a request's build for Owner as ClaimBuildInto would,
// straight into its first stage (State, Stage), in the intake's own transaction: a build that
// may run at once is recorded and claimed with one commit. The build is only recorded (as
// without Claim) when a later request of the batch supersedes it, when a build of its key
// holds the key's lease (Recorded.KeyBusy), when an older build of the key waits to resume
// (Recorded.OlderWaits), or when the key's last success has the same
// Fingerprint and the request is not forced (the dispatcher skips it).
type IntakeClaim struct {
	Owner       Owner
	TTL         time.Duration
	Fingerprint string
	State       State
	Stage       string
}

// Recorded is what IntakeBatch made of one request: its build, the builds it superseded, and
// the key's newest succeeded build and its fingerprint when the request was recorded ("" when
// none), as QueuedWithLast reads them: the dispatcher can start the build without reading
// the queue.
type Recorded struct {
	Record                         Record
	Superseded                     []string
	LastSucceeded, LastFingerprint string
	// Lease is the build's lease when its Claim was granted (Record is then the claimed
	// record), else nil.
	Lease *BuildLease
	// KeyBusy: a Claim was refused because a build of the key holds its lease.
	KeyBusy bool
	// OlderWaits: an older build of the key that already ran (retried, or resumed after its
	// builder stopped) waits in the queue. It runs first (oldest first, or its image would be
	// promoted after this newer one's): a Claim was refused, and only a dispatch round that
	// reads the queue may start this build.
	OlderWaits bool
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
	last := map[string]int{} // the last request of each key in the batch
	for i, r := range in {
		keys[i] = r.Request.ImageKey
		last[r.Request.ImageKey] = i
	}
	var out []Recorded
	err := s.tx(ctx, func(t *tx) error {
		out = out[:0]
		if err := t.lockKeys(keys); err != nil {
			return err
		}
		ks, err := readIntakeKeys(t, in)
		if err != nil {
			return err
		}
		var j journalRows
		for i, r := range in {
			k := ks[r.Request.ImageKey]
			c := r.Claim
			if i != last[r.Request.ImageKey] {
				c = nil // superseded within the batch
			}
			o, err := intakeOne(t, &j, k, r.Request, r.MessageID, c)
			if err != nil {
				return fmt.Errorf("record request for %s: %w", r.Request.ImageKey, err)
			}
			if o.Lease != nil {
				o.Lease.s = s
			}
			out = append(out, o)
		}
		return j.insert(t)
	})
	if err != nil {
		return nil, fmt.Errorf("record %d requests: %w", len(in), err)
	}
	return out, nil
}

// intakeKey is what intake knows of one image key: its builds that have not started (the
// ones a new request supersedes), its last success, and its lease row when a request of the
// key asks for a Claim.
type intakeKey struct {
	pending      []pendingBuild
	olderWaits   bool // a queued build of the key that already ran (Recorded.OlderWaits)
	last, lastFP string
	lease        held
}

// pendingBuild is a queued build that never started, and whether its request is forced.
type pendingBuild struct {
	id    string
	force bool
}

// readIntakeKeys reads every key's intakeKey inside t, which holds the keys' locks.
func readIntakeKeys(t *tx, in []Incoming) (map[string]*intakeKey, error) {
	ks := map[string]*intakeKey{}
	claims := map[string]bool{}
	for _, r := range in {
		claims[r.Request.ImageKey] = claims[r.Request.ImageKey] || r.Claim != nil
	}
	for _, r := range in {
		key := r.Request.ImageKey
		if ks[key] != nil {
			continue
		}
		k := &intakeKey{}
		ks[key] = k
		if claims[key] {
			err := t.Read(`SELECT build_id, owner, token FROM leases WHERE image_key = ?`,
				func(row scanner) error { return row.Scan(&k.lease.build, &k.lease.owner, &k.lease.token) }, key)
			if err != nil {
				return nil, err
			}
		}
		err := t.Read(`SELECT id, request, stage = '' AND attempt = 0 FROM builds WHERE image_key = ? AND state = ?`, func(row scanner) error {
			var id, body string
			var fresh bool
			if err := row.Scan(&id, &body, &fresh); err != nil {
				return err
			}
			if !fresh { // resumed or retried: never superseded
				k.olderWaits = true
				return nil
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

// intakeOne records one request inside t (Intake), superseding k's pending builds, and
// claims it when c is set and allows (see IntakeClaim); its journal entries go to j.
func intakeOne(t *tx, j *journalRows, k *intakeKey, req event.BuildRequest, messageID string, c *IntakeClaim) (Recorded, error) {
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
		return Recorded{}, err
	}
	at := time.Now().UTC()
	ts := at.Format(time.RFC3339Nano)
	rec := Record{ID: id, ImageKey: req.ImageKey, State: Queued, Request: req, MessageID: messageID,
		Timings: []Timing{}, CreatedAt: at, UpdatedAt: at}
	out := Recorded{Superseded: superseded, LastSucceeded: k.last, LastFingerprint: k.lastFP}
	j.add(id, Queued, "", "request recorded ("+req.Reason+")")
	out.OlderWaits = k.olderWaits
	switch {
	case c == nil:
	case k.olderWaits: // it runs first
	case k.lease.build != "":
		out.KeyBusy = true
	case !req.Force && c.Fingerprint != "" && c.Fingerprint == k.lastFP:
		// the dispatcher skips it
	default:
		out.Lease = &BuildLease{id: id, key: req.ImageKey, ttl: c.TTL, fence: fence{owner: c.Owner, token: k.lease.token + 1}, entered: c.Stage}
		rec.Attempt, rec.Fingerprint = 1, c.Fingerprint
		j.add(id, Queued, "", fmt.Sprintf("attempt 1 started by %s (lease %d)", c.Owner, out.Lease.fence.token))
		msg, _ := transition(&rec, c.State, c.Stage)
		j.add(id, rec.State, rec.Stage, msg)
		k.lease = held{build: id, owner: string(c.Owner), token: out.Lease.fence.token}
	}
	timings, err := json.Marshal(rec.Timings)
	if err != nil {
		return Recorded{}, err
	}
	if err := t.Write(`INSERT INTO builds (id, image_key, state, stage, request, message_id, fingerprint, attempt, timings, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, req.ImageKey, string(rec.State), rec.Stage, string(body), messageID,
		rec.Fingerprint, rec.Attempt, string(timings), ts, ts); err != nil {
		return Recorded{}, err
	}
	for _, old := range superseded {
		msg := "superseded by " + id
		if err := t.Write(`UPDATE builds SET state = ?, message = ?, updated_at = ? WHERE id = ?`, string(Superseded), msg, ts, old); err != nil {
			return Recorded{}, err
		}
		j.add(old, Superseded, "", msg)
	}
	if out.Lease != nil {
		if err := writeLease(t, out.Lease); err != nil {
			return Recorded{}, err
		}
	}
	// A later request of the key in the same batch supersedes this one, unless it was claimed.
	k.pending = nil
	if out.Lease == nil {
		k.pending = []pendingBuild{{id: id, force: req.Force}}
	}
	out.Record = rec
	return out, nil
}
