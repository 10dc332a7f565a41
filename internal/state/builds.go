package state

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// newID returns a build id: sortable by time, unique, and safe in file names (no dots or slashes).
func newID() string {
	var b [4]byte
	rand.Read(b[:])
	return time.Now().UTC().Format("20060102T150405") + "-" + hex.EncodeToString(b[:])
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
