package state

import (
	"context"
	"fmt"
	"time"
)

// cancelSchema holds the requests to cancel running builds: the CLI (another process) writes
// one, the daemon running the build sees it and stops the build.
const cancelSchema = `
CREATE TABLE IF NOT EXISTS cancel_requests (
	build_id     TEXT PRIMARY KEY,
	requested_by TEXT NOT NULL,
	requested_at TEXT NOT NULL
);
`

// Cancel cancels a build. A queued build or one awaiting approval ends cancelled at once
// (running false). A running one gets a cancel request (running true): the daemon running it
// stops it (packer gets SIGINT and its grace, the stage's cleanup runs) and ends it
// cancelled. Either way `retry` resumes it later at its stage.
func (s *Store) Cancel(ctx context.Context, id, who string) (rec Record, running bool, err error) {
	rec, err = s.updateTx(ctx, id, func(t *tx, r *Record) (string, error) {
		switch {
		case r.State.Terminal():
			return "", fmt.Errorf("%w (build %s is %s)", ErrNotCancellable, id, r.State)
		case r.State == Queued || r.State == AwaitingApproval:
			endTiming(r, time.Now().UTC())
			r.State, r.Message = Cancelled, "cancelled by "+who
			return r.Message, nil
		}
		running = true
		_, err := t.Exec(`INSERT INTO cancel_requests (build_id, requested_by, requested_at) VALUES (?, ?, ?)
			ON CONFLICT (build_id) DO NOTHING`, id, who, now())
		return "cancel requested by " + who, err
	})
	return rec, running, err
}

// CancelRequests returns the builds with a pending cancel request, and who asked.
func (s *Store) CancelRequests(ctx context.Context) (map[string]string, error) {
	rows, err := s.query(ctx, `SELECT build_id, requested_by FROM cancel_requests`)
	if err != nil {
		return nil, fmt.Errorf("read cancel requests: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id, who string
		if err := rows.Scan(&id, &who); err != nil {
			return nil, err
		}
		out[id] = who
	}
	return out, rows.Err()
}

// Cancelled ends a running build that was stopped on request as cancelled, at its stage, and
// drops the request.
func (s *Store) Cancelled(ctx context.Context, id, msg string) (Record, error) {
	return s.updateTx(ctx, id, func(t *tx, r *Record) (string, error) {
		if _, err := t.Exec(`DELETE FROM cancel_requests WHERE build_id = ?`, id); err != nil {
			return "", err
		}
		endTiming(r, time.Now().UTC())
		r.State, r.Message, r.Error = Cancelled, msg, ""
		return msg, nil
	})
}

// DropCancelRequest forgets the cancel request of a build that ended before it was seen.
func (s *Store) DropCancelRequest(ctx context.Context, id string) error {
	if err := s.tx(ctx, func(t *tx) error {
		_, err := t.Exec(`DELETE FROM cancel_requests WHERE build_id = ?`, id)
		return err
	}); err != nil {
		return fmt.Errorf("drop cancel request of %s: %w", id, err)
	}
	return nil
}
