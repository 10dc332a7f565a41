package state

import (
	"context"
	"fmt"
)

// CountStates returns how many builds are in each state that is not an end state.
func (s *Store) CountStates(ctx context.Context) (map[string]int, error) {
	rows, err := s.query(ctx, `SELECT state, COUNT(*) FROM builds GROUP BY state`)
	if err != nil {
		return nil, fmt.Errorf("count builds: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, err
		}
		if !State(st).Terminal() {
			out[st] = n
		}
	}
	return out, rows.Err()
}

// CheckWritable takes the store's write lock and lets it go: it fails when the database is
// read-only, its file or directory is gone, or another process holds the lock for longer than
// ctx allows.
func (s *Store) CheckWritable(ctx context.Context) error {
	err := s.tx(ctx, func(t *tx) error {
		_, err := t.Exec(`UPDATE builds SET state = state WHERE 1 = 0`) // no row, both dialects
		return err
	})
	if err != nil {
		return fmt.Errorf("write to %s: %w", s.path, err)
	}
	return nil
}
