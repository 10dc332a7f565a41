package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/packuilon/packuilon/internal/procgroup"
)

// ErrClaimed is returned when another process holds the claim on an image key.
var ErrClaimed = errors.New("image key is claimed by another process")

// ErrClaimLost is returned by Renew when the claim expired and another process took it.
var ErrClaimLost = errors.New("claim on image key lost")

// Holder is who holds (or wants) a claim.
type Holder struct {
	// Owner is unique per holder and process: "builder 1234", "promote 5678".
	Owner string
	// What the claim is for, for the message another process shows: "build 2024…", "promote".
	Purpose string
	// PID and BootID let a process on the same machine take over the claim of a dead holder
	// at once instead of waiting for it to expire.
	PID    int
	BootID string
}

// Claim is one held claim, as stored.
type Claim struct {
	Key     string
	Holder  Holder
	Since   time.Time
	Expires time.Time
}

// String is what a refused process tells its user.
func (c Claim) String() string {
	return fmt.Sprintf("%s (%s, pid %d) since %s", c.Holder.Owner, c.Holder.Purpose, c.Holder.PID, c.Since.Format(time.RFC3339))
}

// Claims is the one claim per image key that the builder daemon and the commands that change
// an image key in Glance (promote, rollback, smoke) share, so two of them never work on one key
// at once. The Store implements it on SQLite; another store implements the same contract.
type Claims interface {
	// TryClaim takes key for h until ttl from now. It fails with ErrClaimed (wrapped, naming the
	// holder) while another live holder has it; an expired claim or one of a dead process on
	// this machine is taken over. Claiming a key h already holds renews it.
	TryClaim(ctx context.Context, key string, h Holder, ttl time.Duration) error
	// Renew extends h's claim; ErrClaimLost if h no longer holds it.
	Renew(ctx context.Context, key string, h Holder, ttl time.Duration) error
	// Release gives up h's claim; releasing a claim h does not hold does nothing.
	Release(ctx context.Context, key string, h Holder) error
	// ReleaseOwnerPrefix drops every claim whose owner starts with prefix: a builder daemon that
	// holds the store's lock drops the claims of the daemon before it.
	ReleaseOwnerPrefix(ctx context.Context, prefix string) error
}

var _ Claims = (*Store)(nil)

const claimsSchema = `
CREATE TABLE IF NOT EXISTS claims (
	image_key  TEXT PRIMARY KEY,
	owner      TEXT NOT NULL,
	purpose    TEXT NOT NULL DEFAULT '',
	pid        INTEGER NOT NULL DEFAULT 0,
	boot_id    TEXT NOT NULL DEFAULT '',
	since      TEXT NOT NULL,
	expires_at TEXT NOT NULL
);
`

// TryClaim implements Claims.
func (s *Store) TryClaim(ctx context.Context, key string, h Holder, ttl time.Duration) error {
	err := s.tx(ctx, func(t *tx) error {
		// Without the key's lock, two PostgreSQL transactions both read "free" and the later
		// upsert overwrites the earlier holder: both would believe they hold the key.
		if err := t.lockKey(key); err != nil {
			return err
		}
		cur, found, err := readClaim(t, key)
		if err != nil {
			return err
		}
		at, err := claimClock(t)
		if err != nil {
			return err
		}
		if found && cur.Holder.Owner != h.Owner && at.Before(cur.Expires) && !deadHolder(cur.Holder) {
			return fmt.Errorf("%w: %s is held by %s", ErrClaimed, key, cur)
		}
		since := at
		if found && cur.Holder.Owner == h.Owner {
			since = cur.Since
		}
		_, err = t.Exec(`INSERT INTO claims (image_key, owner, purpose, pid, boot_id, since, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (image_key) DO UPDATE SET owner = excluded.owner, purpose = excluded.purpose, pid = excluded.pid,
			boot_id = excluded.boot_id, since = excluded.since, expires_at = excluded.expires_at`,
			key, h.Owner, h.Purpose, h.PID, h.BootID, since.Format(time.RFC3339Nano), at.Add(ttl).Format(time.RFC3339Nano))
		return err
	})
	if err != nil && !errors.Is(err, ErrClaimed) {
		return fmt.Errorf("claim %s: %w", key, err)
	}
	return err
}

// Renew implements Claims.
func (s *Store) Renew(ctx context.Context, key string, h Holder, ttl time.Duration) error {
	var n int64
	err := s.tx(ctx, func(t *tx) error {
		at, err := claimClock(t)
		if err != nil {
			return err
		}
		res, err := t.Exec(`UPDATE claims SET expires_at = ? WHERE image_key = ? AND owner = ?`,
			at.Add(ttl).Format(time.RFC3339Nano), key, h.Owner)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return fmt.Errorf("renew claim %s: %w", key, err)
	}
	if n == 0 {
		return fmt.Errorf("%w: %s", ErrClaimLost, key)
	}
	return nil
}

// claimClock is the store's clock (as the build leases use), not this host's: on a shared
// PostgreSQL store the holders' hosts may disagree about the time, and a host whose clock runs
// ahead must not take a live holder's claim for expired.
func claimClock(t *tx) (time.Time, error) {
	ms, err := t.clockMS()
	return time.UnixMilli(ms).UTC(), err
}

// Release implements Claims.
func (s *Store) Release(ctx context.Context, key string, h Holder) error {
	if err := s.exec(ctx, `DELETE FROM claims WHERE image_key = ? AND owner = ?`, key, h.Owner); err != nil {
		return fmt.Errorf("release claim %s: %w", key, err)
	}
	return nil
}

// ReleaseOwnerPrefix implements Claims.
func (s *Store) ReleaseOwnerPrefix(ctx context.Context, prefix string) error {
	if err := s.exec(ctx, `DELETE FROM claims WHERE substr(owner, 1, ?) = ?`, len(prefix), prefix); err != nil {
		return fmt.Errorf("release claims of %s: %w", prefix, err)
	}
	return nil
}

// ClaimOf returns the claim on key, if any (expired ones included), for status displays.
func (s *Store) ClaimOf(ctx context.Context, key string) (Claim, bool, error) {
	var c Claim
	var found bool
	err := s.tx(ctx, func(t *tx) error {
		var err error
		c, found, err = readClaim(t, key)
		return err
	})
	return c, found, err
}

func readClaim(t *tx, key string) (Claim, bool, error) {
	c := Claim{Key: key}
	var since, expires string
	err := t.QueryRow(`SELECT owner, purpose, pid, boot_id, since, expires_at FROM claims WHERE image_key = ?`, key).
		Scan(&c.Holder.Owner, &c.Holder.Purpose, &c.Holder.PID, &c.Holder.BootID, &since, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return c, false, nil
	}
	if err != nil {
		return c, false, err
	}
	c.Since, _ = time.Parse(time.RFC3339Nano, since)
	c.Expires, _ = time.Parse(time.RFC3339Nano, expires)
	return c, true, nil
}

// deadHolder reports whether h was a process of this boot of this machine that is gone.
func deadHolder(h Holder) bool {
	boot, err := procgroup.BootID()
	if err != nil || h.PID <= 0 || h.BootID != boot {
		return false
	}
	_, err = os.Stat(fmt.Sprintf("/proc/%d", h.PID))
	return errors.Is(err, os.ErrNotExist)
}
