package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/packuilon/packuilon/internal/procgroup"
)

const procsSchema = `
CREATE TABLE IF NOT EXISTS process_groups (
	build_id   TEXT PRIMARY KEY,
	pgid       INTEGER NOT NULL,
	boot_id    TEXT NOT NULL,
	start_time INTEGER NOT NULL,
	recorded   TEXT NOT NULL
);
`

// SetProcessGroup records the process group packer runs in for a build (one at a time: packer
// builds a build's templates one after another). It is written as soon as packer started, so
// that a builder restarted after a crash finds a packer its predecessor left running.
//
// The commit does not wait for the disk (txLazy): the record only matters while the machine
// that runs the group is up (a group does not survive a reboot, and Members ignores one of an
// earlier boot), and a crash of the builder process does not lose a commit that is in the
// database's log buffer (SQLite's WAL file, PostgreSQL's WAL buffers).
func (s *Store) SetProcessGroup(ctx context.Context, buildID string, g procgroup.Group) error {
	err := s.txLazy(ctx, func(t *tx) error {
		_, err := t.Exec(`INSERT INTO process_groups (build_id, pgid, boot_id, start_time, recorded) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (build_id) DO UPDATE SET pgid = excluded.pgid, boot_id = excluded.boot_id,
		start_time = excluded.start_time, recorded = excluded.recorded`,
			buildID, g.ID, g.BootID, int64(g.StartTime), now())
		return err
	})
	if err != nil {
		return fmt.Errorf("record process group of build %s: %w", buildID, err)
	}
	return nil
}

// ClearProcessGroup forgets a build's process group once it has ended.
func (s *Store) ClearProcessGroup(ctx context.Context, buildID string) error {
	if err := s.exec(ctx, `DELETE FROM process_groups WHERE build_id = ?`, buildID); err != nil {
		return fmt.Errorf("forget process group of build %s: %w", buildID, err)
	}
	return nil
}

// ProcessGroup returns the process group recorded for a build, if any.
func (s *Store) ProcessGroup(ctx context.Context, buildID string) (procgroup.Group, bool, error) {
	var g procgroup.Group
	var start int64
	err := s.queryRow(ctx, `SELECT pgid, boot_id, start_time FROM process_groups WHERE build_id = ?`, buildID).
		Scan(&g.ID, &g.BootID, &start)
	if errors.Is(err, sql.ErrNoRows) {
		return g, false, nil
	}
	if err != nil {
		return g, false, fmt.Errorf("process group of build %s: %w", buildID, err)
	}
	g.StartTime = uint64(start)
	return g, true, nil
}

// BuildRunning reports whether build id is running (in a stage, not queued or ended), and
// whether the store knows it. The boot test's reaper asks it before deleting a test server.
func (s *Store) BuildRunning(ctx context.Context, id string) (running, known bool, err error) {
	r, err := s.Get(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return false, false, nil
	}
	if err != nil {
		return false, false, err
	}
	return r.State != Queued && !r.State.Terminal(), true, nil
}
