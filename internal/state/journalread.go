package state

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// JournalRow is a journal entry as a reader that follows the journal sees it: its number, its
// build, and the state it put the build in.
type JournalRow struct {
	Seq     int64
	BuildID string
	State   State
}

// JournalMark returns the sequence number of the newest journal entry (0 for none): where a
// reader that follows the journal (JournalAfter) starts.
func (s *Store) JournalMark(ctx context.Context) (int64, error) {
	var seq int64
	if err := s.queryRow(ctx, `SELECT COALESCE(MAX(seq), 0) FROM journal`).Scan(&seq); err != nil {
		return 0, fmt.Errorf("read the journal: %w", err)
	}
	return seq, nil
}

// JournalAfter returns up to limit journal entries after seq after, oldest first, each with its
// build and state: a reader that follows the journal reads every entry once, and learns from
// the numbers missing between them which entries may still commit (JournalAt). It is one read
// of the primary key's index, of at most limit rows.
func (s *Store) JournalAfter(ctx context.Context, after int64, limit int) ([]JournalRow, error) {
	rows, err := s.query(ctx, `SELECT seq, build_id, state FROM journal WHERE seq > ? ORDER BY seq LIMIT ?`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("read the journal: %w", err)
	}
	return scanJournalRows(rows)
}

// JournalAt returns the journal entries numbered seqs that exist now, oldest first. On
// PostgreSQL an entry's number is taken when it is written and the entry is seen when its
// transaction commits, which can be after later-numbered entries were seen: a number missing
// from what JournalAfter returned may appear later (or never, if its transaction rolled back).
func (s *Store) JournalAt(ctx context.Context, seqs []int64) ([]JournalRow, error) {
	if len(seqs) == 0 {
		return nil, nil
	}
	var rows *sql.Rows
	var err error
	if s.Backend() == "postgres" {
		// One array parameter: a list of a thousand parameters costs the server more to parse
		// and plan than the read itself.
		rows, err = s.query(ctx, `SELECT seq, build_id, state FROM journal WHERE seq = ANY(?) ORDER BY seq`, seqs)
	} else {
		args := make([]any, len(seqs))
		for i, seq := range seqs {
			args[i] = seq
		}
		rows, err = s.query(ctx, `SELECT seq, build_id, state FROM journal WHERE seq IN (?`+
			strings.Repeat(", ?", len(seqs)-1)+`) ORDER BY seq`, args...)
	}
	if err != nil {
		return nil, fmt.Errorf("read the journal: %w", err)
	}
	return scanJournalRows(rows)
}

func scanJournalRows(rows *sql.Rows) ([]JournalRow, error) {
	return collect(rows, func(row scanner) (e JournalRow, err error) {
		return e, row.Scan(&e.Seq, &e.BuildID, &e.State)
	})
}
