package glance

import (
	"context"
	"fmt"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/members"
	"golang.org/x/sync/errgroup"

	"github.com/packuilon/packuilon/internal/config"
)

func (s *GlanceStore) members(ctx context.Context, imageID string) ([]members.Member, error) {
	var ms []members.Member
	err := s.do(ctx, "list members of "+imageID, func(ctx context.Context) error {
		pages, err := members.List(s.c.Image, imageID).AllPages(ctx)
		if err != nil {
			return err
		}
		ms, err = members.ExtractMembers(pages)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list members of %s: %w", imageID, err)
	}
	return ms, nil
}

// copyMembers gives image to every member of image from, with the configured status
// (accepted, as rename-old-images did, or pending). Members already there are left alone
// unless their status must become accepted; nothing is removed from either image, so the
// previous image stays usable by the projects that had it. It returns to's member count.
func (s *GlanceStore) copyMembers(ctx context.Context, from, to string) (int, error) {
	// Both lists at once: the candidate's is almost always empty, but a resumed run needs it.
	var want, have []members.Member
	var g errgroup.Group
	g.Go(func() (err error) { want, err = s.members(ctx, from); return err })
	g.Go(func() (err error) { have, err = s.members(ctx, to); return err })
	if err := g.Wait(); err != nil {
		return 0, err
	}
	if len(want) == 0 {
		return len(have), nil
	}
	status := map[string]string{}
	for _, m := range have {
		status[m.MemberID] = m.Status
	}
	var todo []string
	for _, m := range want {
		st, ok := status[m.MemberID]
		if !ok || (s.opts.MemberStatus == config.MemberAccepted && st != "accepted") {
			todo = append(todo, m.MemberID)
		}
	}
	// One call per member (two when accepting): with 50 members serial calls dominate the
	// promotion, so they run in parallel, bounded to spare Glance.
	g = errgroup.Group{}
	g.SetLimit(s.opts.MemberConcurrency)
	for _, id := range todo {
		g.Go(func() error { return s.addMember(ctx, to, id, status) })
	}
	if err := g.Wait(); err != nil {
		return 0, err
	}
	return len(have) + countNew(todo, status), nil
}

func countNew(ids []string, status map[string]string) int {
	n := 0
	for _, id := range ids {
		if _, ok := status[id]; !ok {
			n++
		}
	}
	return n
}

// addMember creates the membership if missing (status map is read only here) and accepts it
// when configured. A 409 means it exists already (a concurrent or earlier run).
func (s *GlanceStore) addMember(ctx context.Context, imageID, member string, status map[string]string) error {
	if _, ok := status[member]; !ok {
		// A 409 is no transient conflict here: the member exists (a retried create whose
		// answer was lost, or an earlier run).
		err := s.do(ctx, "add member", func(ctx context.Context) error {
			_, err := members.Create(ctx, s.c.Image, imageID, member).Extract()
			if gophercloud.ResponseCodeIs(err, 409) {
				return nil
			}
			return err
		})
		if err != nil {
			return fmt.Errorf("add member %s to %s: %w", member, imageID, err)
		}
	}
	if s.opts.MemberStatus != config.MemberAccepted {
		return nil
	}
	err := s.do(ctx, "accept member", func(ctx context.Context) error {
		_, err := members.Update(ctx, s.c.Image, imageID, member, members.UpdateOpts{Status: "accepted"}).Extract()
		return err
	})
	if err != nil {
		return fmt.Errorf("accept member %s of %s: %w", member, imageID, err)
	}
	return nil
}
