package state

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// outboxSchema is the notification outbox: one row per event and target. Targets are labels
// ("mail:failure", "webhook:1", "slack-success"), never URLs or addresses with secrets in them;
// the sender resolves them from the configuration when it delivers.
const outboxSchema = `
CREATE TABLE IF NOT EXISTS outbox (
	seq        INTEGER PRIMARY KEY AUTOINCREMENT,
	build_id   TEXT NOT NULL DEFAULT '',
	event      TEXT NOT NULL,
	target     TEXT NOT NULL,
	payload    TEXT NOT NULL,
	status     TEXT NOT NULL DEFAULT 'pending',
	attempts   INTEGER NOT NULL DEFAULT 0,
	next_at    INTEGER NOT NULL,
	last_error TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (status, next_at);
CREATE INDEX IF NOT EXISTS outbox_build ON outbox (build_id, seq);
`

// Statuses of an outbox row.
const (
	NotePending = "pending"
	NoteSent    = "sent"
	// NoteFailed is a notification that could not be delivered after its retries.
	NoteFailed = "failed"
)

// Notification is one queued delivery of an event to one target.
type Notification struct {
	Seq       int64     `json:"seq"`
	BuildID   string    `json:"build_id,omitempty"`
	Event     string    `json:"event"`
	Target    string    `json:"target"`
	Payload   string    `json:"-"`
	Status    string    `json:"status"`
	Attempts  int       `json:"attempts"`
	NextAt    time.Time `json:"next_at"`
	LastError string    `json:"last_error,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// Enqueue records one notification per target, due at once, in one transaction.
func (s *Store) Enqueue(ctx context.Context, buildID, event, payload string, targets []string) error {
	if len(targets) == 0 {
		return nil
	}
	err := s.tx(ctx, func(t *tx) error {
		ts := now()
		for _, tg := range targets {
			if _, err := t.Exec(`INSERT INTO outbox (build_id, event, target, payload, next_at, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?)`, buildID, event, tg, payload, time.Now().UnixNano(), ts, ts); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("queue %s notification: %w", event, err)
	}
	return nil
}

const noteCols = `seq, build_id, event, target, payload, status, attempts, next_at, last_error, created_at`

// DueNotifications returns pending notifications whose time has come, oldest first.
func (s *Store) DueNotifications(ctx context.Context, at time.Time, limit int) ([]Notification, error) {
	rows, err := s.query(ctx, `SELECT `+noteCols+` FROM outbox WHERE status = ? AND next_at <= ?
		ORDER BY seq LIMIT ?`, NotePending, at.UnixNano(), limit)
	if err != nil {
		return nil, fmt.Errorf("read the outbox: %w", err)
	}
	return scanNotes(rows)
}

// NextNotification returns when the next pending notification is due (false if none).
func (s *Store) NextNotification(ctx context.Context) (time.Time, bool, error) {
	var next sql.NullInt64
	if err := s.queryRow(ctx, `SELECT MIN(next_at) FROM outbox WHERE status = ?`, NotePending).Scan(&next); err != nil {
		return time.Time{}, false, fmt.Errorf("read the outbox: %w", err)
	}
	if !next.Valid {
		return time.Time{}, false, nil
	}
	return time.Unix(0, next.Int64), true, nil
}

// Notifications returns a build's notifications, oldest first.
func (s *Store) Notifications(ctx context.Context, buildID string) ([]Notification, error) {
	rows, err := s.query(ctx, `SELECT `+noteCols+` FROM outbox WHERE build_id = ? ORDER BY seq`, buildID)
	if err != nil {
		return nil, fmt.Errorf("notifications of %s: %w", buildID, err)
	}
	return scanNotes(rows)
}

// FailedNotifications returns the newest notifications that could not be delivered.
func (s *Store) FailedNotifications(ctx context.Context, limit int) ([]Notification, error) {
	rows, err := s.query(ctx, `SELECT `+noteCols+` FROM outbox WHERE status = ? ORDER BY seq DESC LIMIT ?`, NoteFailed, limit)
	if err != nil {
		return nil, fmt.Errorf("read the outbox: %w", err)
	}
	return scanNotes(rows)
}

// NoteDelivered marks a notification sent.
func (s *Store) NoteDelivered(ctx context.Context, seq int64) error {
	return s.noteUpdate(ctx, seq, NoteSent, time.Time{}, "")
}

// NoteAttemptFailed records a failed delivery: pending again at retryAt, or failed for good
// when retryAt is zero. errMsg must not contain a secret (the sender redacts URLs).
func (s *Store) NoteAttemptFailed(ctx context.Context, seq int64, retryAt time.Time, errMsg string) error {
	st := NotePending
	if retryAt.IsZero() {
		st = NoteFailed
	}
	return s.noteUpdate(ctx, seq, st, retryAt, errMsg)
}

func (s *Store) noteUpdate(ctx context.Context, seq int64, st string, next time.Time, errMsg string) error {
	err := s.tx(ctx, func(t *tx) error {
		var nextAt int64
		if !next.IsZero() {
			nextAt = next.UnixNano()
		}
		_, err := t.Exec(`UPDATE outbox SET status = ?, attempts = attempts + 1, next_at = ?, last_error = ?, updated_at = ?
			WHERE seq = ?`, st, nextAt, errMsg, now(), seq)
		return err
	})
	if err != nil {
		return fmt.Errorf("update notification %d: %w", seq, err)
	}
	return nil
}

func scanNotes(rows *sql.Rows) ([]Notification, error) {
	defer rows.Close()
	var out []Notification
	for rows.Next() {
		var n Notification
		var next int64
		var created string
		if err := rows.Scan(&n.Seq, &n.BuildID, &n.Event, &n.Target, &n.Payload, &n.Status, &n.Attempts, &next, &n.LastError, &created); err != nil {
			return nil, err
		}
		n.NextAt = time.Unix(0, next)
		n.CreatedAt, _ = time.Parse(time.RFC3339Nano, created)
		out = append(out, n)
	}
	return out, rows.Err()
}
