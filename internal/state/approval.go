package state

import (
	"context"
	"errors"
	"fmt"
)

// ErrNotAwaiting is returned by Approve and Deny for a build that is not awaiting approval.
var ErrNotAwaiting = errors.New("build is not awaiting approval")

// ErrNotCancellable is returned by Cancel for a build that has ended.
var ErrNotCancellable = errors.New("build has ended")

// ApprovedStage is the stage an approved build resumes at: the promotion.
const ApprovedStage = PromotingStage

// Await records that a build passed its tests and now waits for staff at the approval gate
// (its state is already awaiting_approval: the approval stage's). In the same transaction
// every older build of the key that was waiting too is superseded: staff approve the newest
// image of a key, never an older one after it. It returns the superseded ids.
func (s *Store) Await(ctx context.Context, id string) ([]string, error) {
	var superseded []string
	_, err := s.updateTx(ctx, id, func(t *tx, r *Record) (string, error) {
		if r.State != AwaitingApproval {
			return "", fmt.Errorf("%w (build %s is %s)", ErrNotAwaiting, id, r.State)
		}
		rows, err := t.Query(`SELECT id FROM builds WHERE image_key = ? AND state = ? AND id != ?
			AND seq < (SELECT seq FROM builds WHERE id = ?)`, r.ImageKey, string(AwaitingApproval), id, id)
		if err != nil {
			return "", err
		}
		for rows.Next() {
			var old string
			if err := rows.Scan(&old); err != nil {
				rows.Close()
				return "", err
			}
			superseded = append(superseded, old)
		}
		rows.Close()
		for _, old := range superseded {
			msg := "superseded by " + id + ", which awaits approval too"
			if _, err := t.Exec(`UPDATE builds SET state = ?, message = ?, updated_at = ? WHERE id = ?`, string(Superseded), msg, now(), old); err != nil {
				return "", err
			}
			if err := journal(t, old, Superseded, "", msg); err != nil {
				return "", err
			}
		}
		r.Message = "awaiting approval: packuilon approve " + id + " or packuilon deny " + id + " --reason TEXT"
		return "awaiting approval", nil
	})
	return superseded, err
}

// Approve lets a build that awaits approval go on: it is queued again at the promoting stage,
// and the builder promotes it. who names the approver in the journal.
//
// It is refused (ErrNewerBuild) once a newer build of the key has succeeded, promotes or runs:
// one that did not wait for approval (REQUIRE_APPROVAL changed by a reload) would be promoted
// first, and this older image after it. A newer build that waits starts after this one.
func (s *Store) Approve(ctx context.Context, id, who string) (Record, error) {
	return s.updateTx(ctx, id, func(t *tx, r *Record) (string, error) {
		if r.State != AwaitingApproval {
			return "", fmt.Errorf("%w (build %s is %s)", ErrNotAwaiting, id, r.State)
		}
		if err := newerInTheWay(t, r, true, "deny this one"); err != nil {
			return "", err
		}
		r.State, r.Stage, r.Message = Queued, ApprovedStage, "approved by "+who
		return "approved by " + who + "; will resume at stage " + ApprovedStage, nil
	})
}

// Deny ends a build that awaits approval as denied, with the reason and who denied it. The
// caller then deals with its candidates as with rejected ones (BROKEN_ACTION).
func (s *Store) Deny(ctx context.Context, id, who, reason string) (Record, error) {
	return s.update(ctx, id, func(r *Record) (string, error) {
		if r.State != AwaitingApproval {
			return "", fmt.Errorf("%w (build %s is %s)", ErrNotAwaiting, id, r.State)
		}
		r.State, r.Message, r.Error = Denied, "denied by "+who+": "+reason, ""
		return r.Message, nil
	})
}
