package state

import (
	"context"
	"fmt"
	"time"
)

// rollbackSchema logs the rollbacks made by `packuilon rollback`, which works in Glance beside
// the builder: the builder's metrics count them from here.
const rollbackSchema = `
CREATE TABLE IF NOT EXISTS rollbacks (
	seq         INTEGER PRIMARY KEY AUTOINCREMENT,
	image_key   TEXT NOT NULL,
	current_id  TEXT NOT NULL DEFAULT '',
	previous_id TEXT NOT NULL DEFAULT '',
	by          TEXT NOT NULL DEFAULT '',
	at          TEXT NOT NULL
);
`

// RecordRollback logs a rollback of key: current is the image made current again, previous the
// one it replaced; who ran it.
func (s *Store) RecordRollback(ctx context.Context, key, current, previous, who string) error {
	err := s.tx(ctx, func(t *tx) error {
		_, err := t.Exec(`INSERT INTO rollbacks (image_key, current_id, previous_id, by, at) VALUES (?, ?, ?, ?, ?)`,
			key, current, previous, who, now())
		return err
	})
	if err != nil {
		return fmt.Errorf("record the rollback of %s: %w", key, err)
	}
	return nil
}

// CountRollbacks returns how many rollbacks were logged.
func (s *Store) CountRollbacks(ctx context.Context) (int, error) {
	var n int
	if err := s.queryRow(ctx, `SELECT COUNT(*) FROM rollbacks`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count rollbacks: %w", err)
	}
	return n, nil
}

// Rollback is one logged rollback.
type Rollback struct {
	ImageKey   string    `json:"image_key"`
	CurrentID  string    `json:"current_id"`
	PreviousID string    `json:"previous_id"`
	By         string    `json:"by"`
	At         time.Time `json:"at"`
}

// Rollbacks returns the newest logged rollbacks, newest first.
func (s *Store) Rollbacks(ctx context.Context, limit int) ([]Rollback, error) {
	rows, err := s.query(ctx, `SELECT image_key, current_id, previous_id, by, at FROM rollbacks ORDER BY seq DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("list rollbacks: %w", err)
	}
	return collect(rows, func(row scanner) (r Rollback, err error) {
		var at string
		err = row.Scan(&r.ImageKey, &r.CurrentID, &r.PreviousID, &r.By, &at)
		r.At, _ = time.Parse(time.RFC3339Nano, at)
		return r, err
	})
}
