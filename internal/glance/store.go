package glance

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/images"
	"github.com/hashicorp/go-hclog"
	"golang.org/x/sync/errgroup"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/retry"
)

// Properties packuilon keeps on the images it manages.
const (
	PropKey      = "packuilon_key"
	PropState    = "packuilon_state"
	PropBuildID  = "packuilon_build_id"
	PropParent   = "packuilon_parent"
	PropName     = "packuilon_name"
	PropReplaces = "packuilon_replaces"
	// PropRollback marks an image being made current again by rollback, so a rollback that
	// stopped half way is finished by the next run instead of rolling back a second step.
	PropRollback = "packuilon_rollback"
)

// Values of PropState.
const (
	StateCandidate  = "candidate"
	StateCurrent    = "current"
	StateWarehoused = "warehoused"
	StateBroken     = "broken"
)

// Candidate is a freshly built image and what it is built for.
type Candidate struct {
	ImageID string
	// Key is the image's packuilon_key; Name the canonical name users see.
	Key  string
	Name string
	// BuildID and ParentID (the source image) are recorded on the image.
	BuildID  string
	ParentID string
}

// Result tells what a promotion or rollback did.
type Result struct {
	CurrentID    string
	WarehousedID string
	// Members is the number of members the current image has after the run.
	Members int
	// SkippedProperties were refused by Glance (403, protected) and left out.
	SkippedProperties []string
	// Deleted and Deactivated are old warehoused images retired by retention.
	Deleted     []string
	Deactivated []string
	// Calls is the number of API requests the run made.
	Calls int64
	// ChainFrom are the images whose entries in the source-image map SOURCE_CHAINING points at
	// the new current image: the warehoused image, and the one it had replaced (an entry left
	// there by a chaining that failed last time).
	ChainFrom []string
	// Deferred are the errors of the work after the swap (sweep, retention): the promotion
	// happened; the next promotion of the key does that work again.
	Deferred []string
}

// deferred records (and logs) an error of the work after the swap.
func (r *Result) deferred(log hclog.Logger, what string, err error) {
	if err != nil {
		log.Warn("promotion done, but work after it failed; the next promotion retries it", "work", what, "error", err)
		r.Deferred = append(r.Deferred, what+": "+err.Error())
	}
}

// ImageStore is what the pipeline needs from the image service.
type ImageStore interface {
	// MarkCandidate tags a new image as its key's candidate and renames it candidate-<name>.
	MarkCandidate(ctx context.Context, c Candidate) error
	// Promote makes the candidate the current image of its key.
	Promote(ctx context.Context, c Candidate) (*Result, error)
	// Reject marks a candidate broken (or deletes it, as configured).
	Reject(ctx context.Context, c Candidate, reason string) error
	// Rollback makes the newest warehoused image of key current again.
	Rollback(ctx context.Context, key string) (*Result, error)
}

// GlanceStore is the ImageStore on Glance v2 (and Nova, when there is one, for retention).
type GlanceStore struct {
	c    *Clients
	opts config.Promote
	log  hclog.Logger
	now  func() time.Time
	// retry bounds the retries of transient errors (DefaultRetry).
	retry retry.Policy
}

var _ ImageStore = (*GlanceStore)(nil)

// NewGlanceStore returns a store using clients c with the [promote] options.
func NewGlanceStore(c *Clients, opts config.Promote, log hclog.Logger) *GlanceStore {
	if opts.MemberConcurrency < 1 {
		opts.MemberConcurrency = 1
	}
	return &GlanceStore{c: c, opts: opts, log: log.Named("glance"), now: time.Now, retry: DefaultRetry}
}

// Get returns one image (transient errors retried).
func (s *GlanceStore) Get(ctx context.Context, id string) (*images.Image, error) {
	var img *images.Image
	err := s.do(ctx, "get image "+id, func(ctx context.Context) (err error) {
		img, err = images.Get(ctx, s.c.Image, id).Extract()
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("get image %s: %w", id, err)
	}
	return img, nil
}

// listQuery is images.ListOpts plus filters on properties, which Glance supports but
// gophercloud's ListOpts cannot express.
type listQuery struct {
	images.ListOpts
	props map[string]string
}

func (q listQuery) ToImageListQuery() (string, error) {
	s, err := q.ListOpts.ToImageListQuery()
	if err != nil {
		return "", err
	}
	v, err := url.ParseQuery(s[min(1, len(s)):])
	if err != nil {
		return "", err
	}
	for k, val := range q.props {
		v.Set(k, val)
	}
	return "?" + v.Encode(), nil
}

// list returns the images owned by owner (any, if empty) that match props (and name, if set),
// newest first; hidden ones too if withHidden. Each hidden state is one query: Glance lists
// hidden images only when asked.
func (s *GlanceStore) list(ctx context.Context, owner, name string, withHidden bool, props map[string]string) ([]images.Image, error) {
	states := []bool{false}
	if withHidden {
		states = append(states, true)
	}
	// The two queries are independent: side by side they cost one round trip.
	found := make([][]images.Image, len(states))
	var g errgroup.Group
	for i, hidden := range states {
		q := listQuery{ListOpts: images.ListOpts{
			Owner: owner, Name: name, Hidden: hidden, Limit: 200,
			// "all" includes community images, which a plain list leaves out.
			Visibility: images.ImageVisibility("all"),
			Sort:       "created_at:desc",
		}, props: props}
		g.Go(func() error {
			return s.do(ctx, "list images", func(ctx context.Context) error {
				pages, err := images.List(s.c.Image, q).AllPages(ctx)
				if err != nil {
					return err
				}
				found[i], err = images.ExtractImages(pages)
				return err
			})
		})
	}
	if err := g.Wait(); err != nil {
		return nil, fmt.Errorf("list images %v: %w", props, err)
	}
	all := slices.Concat(found...)
	sort.SliceStable(all, func(i, j int) bool { return all[i].CreatedAt.After(all[j].CreatedAt) })
	return all, nil
}

func prop(img *images.Image, k string) string {
	if v, ok := img.Properties[k].(string); ok {
		return v
	}
	return ""
}

// setProps returns the ops that give img the properties in want (empty value = remove).
func setProps(img *images.Image, want map[string]string) images.UpdateOpts {
	keys := make([]string, 0, len(want))
	for k := range want {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var ops images.UpdateOpts
	for _, k := range keys {
		cur, has := img.Properties[k]
		v := want[k]
		switch {
		case v == "" && has:
			ops = append(ops, images.UpdateImageProperty{Op: images.RemoveOp, Name: k})
		case v == "":
		case !has:
			ops = append(ops, images.UpdateImageProperty{Op: images.AddOp, Name: k, Value: v})
		case cur != v:
			ops = append(ops, images.UpdateImageProperty{Op: images.ReplaceOp, Name: k, Value: v})
		}
	}
	return ops
}

// action posts a Glance image action (deactivate, reactivate).
func (s *GlanceStore) action(ctx context.Context, id, act string) error {
	err := s.do(ctx, act+" image "+id, func(ctx context.Context) error {
		_, err := s.c.Image.Post(ctx, s.c.Image.ServiceURL("images", id, "actions", act), nil, nil, &gophercloud.RequestOpts{OkCodes: []int{204}})
		return err
	})
	if err != nil {
		return fmt.Errorf("%s image %s: %w", act, id, err)
	}
	return nil
}

// deleteImage deletes an image; one already gone (a retried delete whose answer was lost) is
// no error.
func (s *GlanceStore) deleteImage(ctx context.Context, id string) error {
	err := s.do(ctx, "delete image "+id, func(ctx context.Context) error {
		return images.Delete(ctx, s.c.Image, id).ExtractErr()
	})
	if err != nil && !gophercloud.ResponseCodeIs(err, 404) {
		return fmt.Errorf("delete image %s: %w", id, err)
	}
	return nil
}

// Open connects with the [promote] credentials (ADMIN_AUTH_FILE, else OS_CLOUD or the OS_*
// variables of getenv; CA_FILE overrides OS_CACERT) and returns the store.
func Open(ctx context.Context, p config.Promote, getenv func(string) string, log hclog.Logger) (*GlanceStore, error) {
	creds, err := LoadCredentials(p.AuthFile, getenv)
	if err != nil {
		return nil, err
	}
	if p.CAFile != "" {
		creds.CAFile = p.CAFile
	}
	cl, err := Connect(ctx, creds, log)
	if err != nil {
		return nil, err
	}
	return NewGlanceStore(cl, p, log), nil
}
