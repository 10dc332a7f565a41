package state

import (
	"context"
	"fmt"
	"strings"
)

// Ending is a journal entry that put a build in a final state.
type Ending struct {
	Seq     int64
	BuildID string
	State   State
}

// JournalMark returns the sequence number of the newest journal entry (0 for none): where a
// reader of Endings starts.
func (s *Store) JournalMark(ctx context.Context) (int64, error) {
	var seq int64
	if err := s.queryRow(ctx, `SELECT COALESCE(MAX(seq), 0) FROM journal`).Scan(&seq); err != nil {
		return 0, fmt.Errorf("read the journal: %w", err)
	}
	return seq, nil
}

// Endings returns the journal entries after seq after, up to seq upTo, that put a build in one
// of states, oldest first. Whatever process made the change (the builder, the CLI, the status
// page), it is in the journal.
func (s *Store) Endings(ctx context.Context, after, upTo int64, states ...State) ([]Ending, error) {
	if len(states) == 0 {
		return nil, nil
	}
	args := []any{after, upTo}
	for _, st := range states {
		args = append(args, string(st))
	}
	rows, err := s.query(ctx, `SELECT seq, build_id, state FROM journal WHERE seq > ? AND seq <= ?
		AND state IN (?`+strings.Repeat(", ?", len(states)-1)+`) ORDER BY seq`, args...)
	if err != nil {
		return nil, fmt.Errorf("read the journal: %w", err)
	}
	return collect(rows, func(row scanner) (e Ending, err error) {
		return e, row.Scan(&e.Seq, &e.BuildID, &e.State)
	})
}
