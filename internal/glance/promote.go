package glance

import (
	"context"
	"errors"
	"fmt"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/images"
	"golang.org/x/sync/errgroup"
)

// ErrNotPromotable is returned for a candidate that must not become current (broken,
// warehoused, managed under another key, or not active).
var ErrNotPromotable = errors.New("image cannot be promoted")

// Promote makes c the current image of its key (c.Name defaults to the packuilon_name an
// earlier mark recorded, else the candidate's name). The steps, each idempotent and each decided
// from Glance's state alone (so a run that stopped anywhere is finished by the next one):
//
//  1. mark: the candidate gets packuilon_key, packuilon_state=candidate and
//     packuilon_replaces=<previous image>, and loses the canonical name packer gave it (unless
//     MarkCandidate took it already), so no lookup takes it for the current image and a resumed
//     run knows which image it replaces even after that one was warehoused;
//  2. properties: the previous image's visibility, and the carried properties the candidate
//     lacks (one refused with 403, a protected property, is reported and skipped);
//  3. members: the previous image's members, accepted or pending as configured. This comes
//     after visibility because Glance only lets a shared image have members;
//  4. warehouse: the previous image is renamed warehoused-<name>-<date>, hidden and marked
//     warehoused (and deactivated if configured);
//  5. current: the candidate takes the canonical name and packuilon_state=current.
//
// Between 4 and 5, two consecutive requests, no image has the name: never two.
// Then any other image of the key still marked current is warehoused, half-done candidates of
// earlier promotions are unshared, and retention runs: errors there never fail the promotion
// that happened; they are logged and reported in Result.Deferred, and the next promotion runs
// the same work again.
//
// Each request is retried on transient errors (see Transient) within a bounded backoff; a retry
// reads the image again first, so a change applied by a request whose answer was lost is not
// applied twice. A permanent error (400, 403, 404) stops the promotion at once.
func (s *GlanceStore) Promote(ctx context.Context, c Candidate) (*Result, error) {
	if c.ImageID == "" || c.Key == "" {
		return nil, fmt.Errorf("promote: image id and key are required")
	}
	start := s.c.Calls.Count()
	// The candidate and the key's images are independent reads: side by side, one round trip.
	// The key's images are listed for every project and kept for the candidate's owner only.
	var cand *images.Image
	var keyed []images.Image
	var g errgroup.Group
	g.Go(func() (err error) { cand, err = s.Get(ctx, c.ImageID); return err })
	g.Go(func() (err error) {
		keyed, err = s.list(ctx, "", "", true, map[string]string{PropKey: c.Key})
		return err
	})
	if err := g.Wait(); err != nil {
		return nil, err
	}
	if c.Name == "" { // the name recorded by an earlier mark, else the one packer gave
		if c.Name = prop(cand, PropName); c.Name == "" {
			c.Name = cand.Name
		}
	}
	switch st := prop(cand, PropState); {
	case st == StateBroken || st == StateWarehoused:
		return nil, fmt.Errorf("promote image %s: it is %s: %w", cand.ID, st, ErrNotPromotable)
	case prop(cand, PropKey) != "" && prop(cand, PropKey) != c.Key:
		return nil, fmt.Errorf("promote image %s: it belongs to key %s, not %s: %w", cand.ID, prop(cand, PropKey), c.Key, ErrNotPromotable)
	case cand.Status != images.ImageStatusActive:
		return nil, fmt.Errorf("promote image %s: status %s: %w", cand.ID, cand.Status, ErrNotPromotable)
	}
	var managed []images.Image
	for _, img := range keyed {
		if img.Owner == cand.Owner {
			managed = append(managed, img)
		}
	}
	prev, err := s.previous(ctx, cand, managed, c)
	if err != nil {
		return nil, err
	}
	res, err := s.promote(ctx, cand, prev, managed, c, false)
	if res != nil {
		res.Calls = s.c.Calls.Count() - start
	}
	return res, err
}

// MarkCandidate does step 1 alone: the pipeline may call it as soon as packer made the image,
// so that between the build and the promotion only one image carries the canonical name.
func (s *GlanceStore) MarkCandidate(ctx context.Context, c Candidate) error {
	cand, err := s.Get(ctx, c.ImageID)
	if err != nil {
		return err
	}
	if st := prop(cand, PropState); st != "" && st != StateCandidate {
		return nil // already past this step
	}
	if k := prop(cand, PropKey); k != "" && k != c.Key {
		return fmt.Errorf("mark image %s: it belongs to key %s, not %s: %w", cand.ID, k, c.Key, ErrNotPromotable)
	}
	_, err = s.update(ctx, cand, func(img *images.Image) images.UpdateOpts {
		if st := prop(img, PropState); st != "" && st != StateCandidate {
			return nil // a concurrent promotion went past this step
		}
		return s.markOps(img, c, "")
	})
	return err
}

func (s *GlanceStore) markOps(cand *images.Image, c Candidate, replaces string) images.UpdateOpts {
	want := map[string]string{PropKey: c.Key, PropName: c.Name, PropBuildID: c.BuildID, PropReplaces: replaces}
	if prop(cand, PropState) != StateCurrent {
		want[PropState] = StateCandidate
	}
	if c.BuildID == "" {
		delete(want, PropBuildID) // keep what an earlier mark recorded
	}
	if replaces == "" {
		delete(want, PropReplaces)
	}
	ops := setProps(cand, want)
	if cand.Name == c.Name && prop(cand, PropState) != StateCurrent {
		ops = append(ops, images.ReplaceImageName{NewName: "candidate-" + c.Name})
	}
	return ops
}

// promote runs the steps on cand replacing prev. managed is the key's images (of cand's
// owner) as listed before the run: the work after the swap decides from it, without listing
// again.
func (s *GlanceStore) promote(ctx context.Context, cand, prev *images.Image, managed []images.Image, c Candidate, rollback bool) (*Result, error) {
	log := s.log.With("image_key", c.Key, "image_id", cand.ID, "build_id", c.BuildID)
	var replaces string
	if prev != nil {
		replaces = prev.ID
	}
	mark := func(img *images.Image) images.UpdateOpts {
		ops := s.markOps(img, c, replaces)
		if rollback {
			ops = append(ops, setProps(img, map[string]string{PropRollback: "true"})...)
		}
		return ops
	}
	res := &Result{CurrentID: cand.ID}
	var err error
	if prev == nil {
		if cand, err = s.update(ctx, cand, mark); err != nil {
			return nil, err
		}
	} else {
		// Steps 1 and 2 in one request; if Glance refuses part of it, one by one.
		both := func(img *images.Image) images.UpdateOpts { return append(mark(img), s.adoptOps(prev, img)...) }
		out, err := s.update(ctx, cand, both)
		switch {
		case err == nil:
			cand = out
		case gophercloud.ResponseCodeIs(err, 403):
			if cand, err = s.update(ctx, cand, mark); err != nil {
				return nil, err
			}
			if cand, res.SkippedProperties, err = s.adopt(ctx, prev, cand); err != nil {
				return nil, err
			}
		default:
			return nil, err
		}
		if prev.Visibility == images.ImageVisibilityShared {
			if res.Members, err = s.copyMembers(ctx, prev.ID, cand.ID); err != nil {
				return nil, err
			}
		}
		if prev, err = s.warehouse(ctx, prev, c); err != nil {
			return nil, err
		}
		res.WarehousedID, res.ChainFrom = prev.ID, []string{prev.ID}
		if id := prop(prev, PropReplaces); id != "" && id != cand.ID {
			res.ChainFrom = append(res.ChainFrom, id)
		}
	}
	if cand, err = s.makeCurrent(ctx, cand, c); err != nil {
		return nil, err
	}
	log.Info("image is current", "warehoused", res.WarehousedID, "members", res.Members)
	// The promotion happened: what follows never fails it. Its errors are logged and reported
	// in res.Deferred, and the next promotion of the key does the same work again.
	var others, warehoused []images.Image
	for _, img := range managed {
		switch {
		case img.ID == cand.ID || prev != nil && img.ID == prev.ID:
		case prop(&img, PropState) == StateWarehoused:
			warehoused = append(warehoused, img)
		default:
			others = append(others, img)
		}
	}
	if prev != nil { // the most recently warehoused, whatever its age
		warehoused = append([]images.Image{*prev}, warehoused...)
	}
	res.deferred(log, "sweep", s.sweep(ctx, others, c))
	res.deferred(log, "retention", s.retain(ctx, c.Key, warehoused, res))
	return res, nil
}

// previous finds, among managed (the key's images of the candidate's owner) or by name, the
// image the candidate replaces: the one recorded by an earlier run of this promotion (while no
// other image became current since), else the key's current image, else, when the key has
// warehoused images but none current (a promotion stopped between warehousing and renaming),
// the image that last had the name (see lastHolder), else (migration from rename-old-images,
// only while no image of the key was ever promoted) the newest unmanaged image with exactly the
// canonical name that is older than the candidate. Candidates and broken images of earlier
// builds do not end the migration: they never held the name, so the old image still does. Only
// images of the candidate's owner count: another project's image of the same name is never
// touched.
func (s *GlanceStore) previous(ctx context.Context, cand *images.Image, managed []images.Image, c Candidate) (*images.Image, error) {
	var current, warehoused *images.Image
	for i := range managed {
		img := &managed[i]
		switch prop(img, PropState) {
		case StateCurrent: // newest first; older ones are swept after promotion
			if current == nil && img.ID != cand.ID {
				current = img
			}
		case StateWarehoused:
			if warehoused == nil {
				warehoused = img
			}
		}
	}
	// A run of this promotion that stopped recorded what it replaces; that holds while no other
	// image became current since.
	if id := prop(cand, PropReplaces); id != "" && (current == nil || current.ID == id) {
		if img := byID(managed, id); img != nil {
			return img, nil
		}
		img, err := s.Get(ctx, id) // an unmanaged image found by name (migration)
		if err == nil {
			return img, nil
		}
		if !gophercloud.ResponseCodeIs(err, 404) {
			return nil, err
		}
	}
	if current != nil {
		return current, nil
	}
	if warehoused != nil {
		return s.lastHolder(managed, cand, warehoused), nil
	}
	named, err := s.list(ctx, cand.Owner, c.Name, false, nil)
	if err != nil {
		return nil, err
	}
	for i := range named {
		img := &named[i]
		// Only an image strictly older than the candidate can be the one it replaces: a newer
		// one with the name is another build's unmarked candidate. Glance's times have whole
		// seconds, so one created in the same second is just as likely a sibling candidate and
		// is left alone (an image from before packuilon is days older, never the same second).
		if img.ID != cand.ID && img.Name == c.Name && prop(img, PropKey) == "" && img.CreatedAt.Before(cand.CreatedAt) &&
			(img.Status == images.ImageStatusActive || img.Status == images.ImageStatusDeactivated) {
			s.log.Info("migrating: previous image found by exact name", "image_key", c.Key, "image_id", img.ID)
			return img, nil
		}
	}
	return nil, nil
}

// byID is the image of imgs with id, or nil.
func byID(imgs []images.Image, id string) *images.Image {
	for i := range imgs {
		if imgs[i].ID == id {
			return &imgs[i]
		}
	}
	return nil
}
