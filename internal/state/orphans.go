package state

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// RequeueOrphans puts builds that were running when the daemon stopped (crash, kill, or a
// shutdown that interrupted them) back in the queue at their recorded stage, and frees every
// lease. Only a daemon that knows it is the store's only builder may call it: the SQLite
// daemon holding the store's lock. Builders sharing a PostgreSQL store call ReapExpired.
func (s *Store) RequeueOrphans(ctx context.Context) ([]string, error) {
	// A build awaiting approval is not running: it waits for approve, deny or cancel.
	notRunning := []any{string(Queued), string(AwaitingApproval)}
	for _, st := range endStates {
		notRunning = append(notRunning, string(st))
	}
	rows, err := s.query(ctx, `SELECT id FROM builds WHERE state NOT IN (?, ?`+strings.Repeat(", ?", len(endStates))+`)`, notRunning...)
	if err != nil {
		return nil, fmt.Errorf("find interrupted builds: %w", err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	for _, id := range ids {
		if _, err := s.update(ctx, id, func(r *Record) (string, error) {
			endTiming(r, time.Now().UTC())
			r.State = Queued
			return "interrupted; will resume at stage " + r.Stage, nil
		}); err != nil {
			return nil, err
		}
	}
	if err := s.tx(ctx, func(t *tx) error {
		_, err := t.Exec(`UPDATE leases SET build_id = '', owner = '', expires_ms = 0 WHERE build_id <> ''`)
		return err
	}); err != nil {
		return nil, fmt.Errorf("free the leases: %w", err)
	}
	return ids, nil
}

// ReapExpired takes back the leases whose owner stopped renewing them (expired on the store's
// clock): each build is put back in the queue at its recorded stage, for any builder to
// resume. It returns the requeued build ids. A lease is never taken early, not even from a
// process known dead: its packer may still be stopping, and the lease is what keeps two
// builds of a key apart.
func (s *Store) ReapExpired(ctx context.Context) ([]string, error) {
	held, err := s.Leases(ctx)
	if err != nil {
		return nil, err
	}
	now, err := s.d.clockMS(ctx, s.db)
	if err != nil {
		return nil, fmt.Errorf("read the store's clock: %w", err)
	}
	var ids []string
	for _, h := range held {
		if h.Expires.UnixMilli() > now {
			continue // alive: no write transaction for it
		}
		var took bool
		err := s.tx(ctx, func(t *tx) error {
			took = false
			if err := t.lockKey(h.ImageKey); err != nil {
				return err
			}
			clock, err := t.clockMS()
			if err != nil {
				return err
			}
			var build string
			var token, expires int64
			if err := t.QueryRow(`SELECT build_id, token, expires_ms FROM leases WHERE image_key = ?`, h.ImageKey).Scan(&build, &token, &expires); err != nil {
				return err
			}
			if build != h.BuildID || token != h.Token || expires > clock {
				return nil // renewed, finished or taken meanwhile
			}
			why := fmt.Sprintf("owner %s stopped renewing its lease", h.Owner)
			if _, err := writeIn(t, h.BuildID, nil, func(_ *tx, r *Record) (string, error) {
				if r.State.Terminal() || r.State == AwaitingApproval {
					return "", nil // not running: nothing to resume
				}
				endTiming(r, time.Now().UTC())
				r.State = Queued
				return why + "; will resume at stage " + r.Stage, nil
			}); err != nil {
				return err
			}
			took = true
			return release(t, h.ImageKey)
		})
		if err != nil {
			return ids, fmt.Errorf("take back the lease of %s: %w", h.ImageKey, err)
		}
		if took {
			ids = append(ids, h.BuildID)
		}
	}
	return ids, nil
}
