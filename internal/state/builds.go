package state

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/packuilon/packuilon/internal/event"
)

// newID returns a build id: sortable by time, unique, and safe in file names (no dots or slashes).
func newID() string {
	var b [4]byte
	rand.Read(b[:])
	return time.Now().UTC().Format("20060102T150405") + "-" + hex.EncodeToString(b[:])
}

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

// Recorded is what IntakeBatch made of one request: its build and the builds it superseded.
type Recorded struct {
	Record     Record
	Superseded []string
}

// IntakeBatch records several requests in one transaction, in order, as Intake records one:
// one commit (one fsync) for the lot, so a burst of messages costs one disk flush. A later
// request in the batch supersedes an earlier one of the same key. Either every request is
// recorded or none is.
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
		var j journalRows
		for _, r := range in {
			rec, sup, err := intakeOne(t, &j, r.Request, r.MessageID)
			if err != nil {
				return fmt.Errorf("record request for %s: %w", r.Request.ImageKey, err)
			}
			out = append(out, Recorded{Record: rec, Superseded: sup})
		}
		return j.insert(t)
	})
	if err != nil {
		return nil, fmt.Errorf("record %d requests: %w", len(in), err)
	}
	return out, nil
}

// intakeOne records one request inside t (Intake); its journal entries go to j.
func intakeOne(t *tx, j *journalRows, req event.BuildRequest, messageID string) (Record, []string, error) {
	id := newID()
	var superseded []string
	rows, err := t.Query(`SELECT id, request FROM builds WHERE image_key = ? AND state = ? AND stage = '' AND attempt = 0`, req.ImageKey, string(Queued))
	if err != nil {
		return Record{}, nil, err
	}
	for rows.Next() {
		var old, body string
		if err := rows.Scan(&old, &body); err != nil {
			rows.Close()
			return Record{}, nil, err
		}
		superseded = append(superseded, old)
		// A forced request stays forced when a newer one replaces it: otherwise the newer
		// one could be skipped and the force lost.
		var prev event.BuildRequest
		if json.Unmarshal([]byte(body), &prev) == nil && prev.Force {
			req.Force = true
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return Record{}, nil, err
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
	rec := Record{ID: id, ImageKey: req.ImageKey, State: Queued, Request: req, MessageID: messageID,
		Timings: []Timing{}, CreatedAt: at, UpdatedAt: at}
	return rec, superseded, nil
}

// Get returns one build.
func (s *Store) Get(ctx context.Context, id string) (Record, error) {
	r, err := scanRecord(s.queryRow(ctx, `SELECT `+recordCols+` FROM builds WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("build %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return r, fmt.Errorf("read build %s: %w", id, err)
	}
	return r, nil
}

// Filter selects builds for List. Zero fields match everything; Limit 0 means 100.
type Filter struct {
	ImageKey string
	State    State
	Limit    int
}

// List returns builds, newest first.
func (s *Store) List(ctx context.Context, f Filter) ([]Record, error) {
	var where []string
	var args []any
	if f.ImageKey != "" {
		where, args = append(where, "image_key = ?"), append(args, f.ImageKey)
	}
	if f.State != "" {
		where, args = append(where, "state = ?"), append(args, string(f.State))
	}
	q := `SELECT ` + recordCols + ` FROM builds`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	if f.Limit <= 0 {
		f.Limit = 100
	}
	q += " ORDER BY seq DESC LIMIT ?"
	args = append(args, f.Limit)
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list builds: %w", err)
	}
	return scanRecords(rows)
}

// Queued returns the builds waiting to run, oldest first.
func (s *Store) Queued(ctx context.Context) ([]Record, error) {
	rows, err := s.query(ctx, `SELECT `+recordCols+` FROM builds WHERE state = ? ORDER BY seq`, string(Queued))
	if err != nil {
		return nil, fmt.Errorf("list queued builds: %w", err)
	}
	return scanRecords(rows)
}

// Waiting is a queued build, with the newest succeeded build of its key ("" when none) and that
// build's fingerprint.
type Waiting struct {
	Record
	LastSucceeded, LastFingerprint string
}

// QueuedWithLast is Queued with each build's Waiting fields, read in the same query: the
// dispatcher's skip check costs no query of its own.
func (s *Store) QueuedWithLast(ctx context.Context) ([]Waiting, error) {
	last := `(SELECT %s FROM builds s WHERE s.image_key = builds.image_key AND s.state = ? ORDER BY s.seq DESC LIMIT 1)`
	rows, err := s.query(ctx, `SELECT `+recordCols+`, COALESCE(`+fmt.Sprintf(last, "s.id")+`, ''), COALESCE(`+fmt.Sprintf(last, "s.fingerprint")+`, '')
		FROM builds WHERE state = ? ORDER BY seq`, string(Succeeded), string(Succeeded), string(Queued))
	if err != nil {
		return nil, fmt.Errorf("list queued builds: %w", err)
	}
	return collect(rows, func(row scanner) (w Waiting, err error) {
		w.Record, err = scanRecord(row, &w.LastSucceeded, &w.LastFingerprint)
		return w, err
	})
}

// LastSucceeded returns the key's newest succeeded build, if any.
func (s *Store) LastSucceeded(ctx context.Context, key string) (Record, bool, error) {
	r, err := scanRecord(s.queryRow(ctx, `SELECT `+recordCols+` FROM builds
		WHERE image_key = ? AND state = ? ORDER BY seq DESC LIMIT 1`, key, string(Succeeded)))
	if errors.Is(err, sql.ErrNoRows) {
		return r, false, nil
	}
	if err != nil {
		return r, false, fmt.Errorf("last build of %s: %w", key, err)
	}
	return r, true, nil
}

// OlderThanNewest returns the ids of the key's ended builds beyond the newest keep, for pruning
// their logs and build files.
func (s *Store) OlderThanNewest(ctx context.Context, key string, keep int) ([]string, error) {
	rows, err := s.query(ctx, `SELECT id FROM builds WHERE image_key = ? AND state IN (?, ?, ?)
		ORDER BY seq DESC LIMIT ? OFFSET ?`, key, string(Succeeded), string(Failed), string(Cancelled), math.MaxInt32, keep)
	if err != nil {
		return nil, fmt.Errorf("old builds of %s: %w", key, err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// Journal returns a build's transitions, oldest first.
func (s *Store) Journal(ctx context.Context, id string) ([]Entry, error) {
	rows, err := s.query(ctx, `SELECT at, state, stage, message FROM journal WHERE build_id = ? ORDER BY seq`, id)
	if err != nil {
		return nil, fmt.Errorf("journal of %s: %w", id, err)
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		var e Entry
		var at string
		if err := rows.Scan(&at, &e.State, &e.Stage, &e.Message); err != nil {
			return nil, err
		}
		e.At, _ = time.Parse(time.RFC3339Nano, at)
		out = append(out, e)
	}
	return out, rows.Err()
}
