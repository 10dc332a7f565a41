package state

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

const recordCols = `id, image_key, state, stage, request, message_id, fingerprint, message, error,
	log_path, artifacts, attempt, timings, created_at, updated_at`

type scanner interface{ Scan(dest ...any) error }

// scanRecord scans the recordCols of row, and then its further columns into more.
func scanRecord(row scanner, more ...any) (Record, error) {
	var r Record
	var req, arts, timings, created, updated string
	if err := row.Scan(append([]any{&r.ID, &r.ImageKey, &r.State, &r.Stage, &req, &r.MessageID, &r.Fingerprint,
		&r.Message, &r.Error, &r.LogPath, &arts, &r.Attempt, &timings, &created, &updated}, more...)...); err != nil {
		return r, err
	}
	if err := json.Unmarshal([]byte(req), &r.Request); err != nil {
		return r, fmt.Errorf("build %s: request: %w", r.ID, err)
	}
	if arts != "" {
		r.Artifacts = json.RawMessage(arts)
	}
	if err := json.Unmarshal([]byte(timings), &r.Timings); err != nil {
		return r, fmt.Errorf("build %s: timings: %w", r.ID, err)
	}
	r.CreatedAt, _ = time.Parse(time.RFC3339Nano, created)
	r.UpdatedAt, _ = time.Parse(time.RFC3339Nano, updated)
	return r, nil
}

func scanRecords(rows *sql.Rows) ([]Record, error) {
	return collect(rows, func(row scanner) (Record, error) { return scanRecord(row) })
}

// collect scans every row of rows with scan, in order, and closes rows.
func collect[T any](rows *sql.Rows, scan func(row scanner) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func now() string { return time.Now().UTC().Format(time.RFC3339Nano) }

// journalRows are journal entries written together, in order, by one multi-row INSERT per
// journalChunk entries: one round trip instead of one per entry (intake, on PostgreSQL).
type journalRows struct{ args []any }

// journalChunk bounds the rows of one INSERT (5 parameters each, far below either database's
// limit on parameters).
const journalChunk = 100

func (j *journalRows) add(id string, st State, stage, msg string) {
	j.args = append(j.args, id, now(), string(st), stage, msg)
}

// sqliteAlone: up to this many entries, SQLite inserts each by its own statement: compiling
// a multi-row INSERT costs it more than two small ones (see dialect.roundTrips).
const sqliteAlone = 2

// insert writes the entries inside t.
func (j *journalRows) insert(t *tx) error {
	if !t.d.roundTrips && len(j.args) <= sqliteAlone*5 {
		for args := j.args; len(args) > 0; args = args[5:] {
			if err := t.Write(`INSERT INTO journal (build_id, at, state, stage, message) VALUES (?, ?, ?, ?, ?)`, args[:5]...); err != nil {
				return err
			}
		}
		return nil
	}
	for args := j.args; len(args) > 0; {
		n := min(len(args), journalChunk*5)
		rows := strings.Repeat(", (?, ?, ?, ?, ?)", n/5)[2:]
		if err := t.Write(`INSERT INTO journal (build_id, at, state, stage, message) VALUES `+rows, args[:n]...); err != nil {
			return err
		}
		args = args[n:]
	}
	return nil
}

// journal appends one entry for a build inside t.
func journal(t *tx, id string, st State, stage, msg string) error {
	return t.Write(`INSERT INTO journal (build_id, at, state, stage, message) VALUES (?, ?, ?, ?, ?)`,
		id, now(), string(st), stage, msg)
}
