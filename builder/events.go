package builder

import (
	"context"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/fsutil"
	"github.com/packuilon/packuilon/internal/notify"
	"github.com/packuilon/packuilon/internal/state"
)

// An Observer hears what the pipeline does: the end of each stage and of each build. The
// daemon's observer queues notifications and feeds the metrics; it must not block.
type Observer interface {
	StageEnded(b *Build, stage string, d time.Duration, err error)
	// BuildEnded is called with the record as stored and the event type (config.Event*).
	BuildEnded(ctx context.Context, rec state.Record, b *Build, event string)
}

// logTailLines is how many lines of the build log a failure notification carries.
const logTailLines = 20

// notifier is the Observer that queues notifications in the store's outbox. Metrics are
// recorded by the Observer it wraps (next), if any.
type notifier struct {
	store *state.Store
	cfg   *atomic.Pointer[config.Config]
	log   hclog.Logger
	// poke wakes the dispatcher (nil when nothing delivers in this process).
	poke func()
	next Observer
}

func (n *notifier) StageEnded(b *Build, stage string, d time.Duration, err error) {
	if n.next != nil {
		n.next.StageEnded(b, stage, d, err)
	}
}

func (n *notifier) BuildEnded(ctx context.Context, rec state.Record, b *Build, typ string) {
	if n.next != nil {
		n.next.BuildEnded(ctx, rec, b, typ)
	}
	cfg := n.cfg.Load()
	evs := []notify.Event{BuildEvent(typ, rec, b, cfg.Promote)}
	if typ == config.EventBuildSucceeded {
		for _, im := range evs[0].Images {
			if im.Promoted {
				ev := BuildEvent(config.EventImagePromoted, rec, b, cfg.Promote)
				ev.Images = []notify.Image{im}
				evs = append(evs, ev)
			}
		}
	}
	for _, ev := range evs {
		if err := notify.Queue(context.WithoutCancel(ctx), n.store, cfg.Notify, ev); err != nil {
			n.log.Error("cannot queue a notification", "build_id", rec.ID, "event", ev.Type, "error", err)
		}
	}
	if n.poke != nil {
		n.poke()
	}
}

// BuildEvent describes a build for a notification of type typ: its status, its images, the
// tail of its log (for failures and rejections) and the commands staff can run next.
func BuildEvent(typ string, rec state.Record, b *Build, p config.Promote) notify.Event {
	ev := notify.New(typ)
	ev.BuildID, ev.ImageKey, ev.State, ev.Stage = rec.ID, rec.ImageKey, string(rec.State), rec.Stage
	ev.Message, ev.Attempt = rec.Message, rec.Attempt
	if b != nil {
		for _, a := range b.Artifacts {
			im := notify.Image{Key: a.Key, Name: a.Name, ImageID: a.ImageID, Warehoused: a.Warehoused,
				TestVerdict: config.AsWritten(a.TestVerdict), Promoted: a.Promoted, Rejected: a.Rejected}
			if a.Rejected || typ == config.EventBuildDenied {
				im.BrokenName = brokenName(p, a.Name)
			}
			ev.Images = append(ev.Images, im)
		}
	}
	show := "packuilon show " + rec.ID
	switch typ {
	case config.EventBuildFailed, config.EventBuildCancelled:
		ev.LogTail = logTail(rec.LogPath, logTailLines)
		ev.Commands = []string{show, "packuilon retry " + rec.ID}
	case config.EventBuildRejected:
		ev.LogTail = logTail(rec.LogPath, logTailLines)
		ev.Commands = []string{show}
	case config.EventAwaitingApproval:
		ev.Commands = []string{show, "packuilon approve " + rec.ID, "packuilon deny " + rec.ID + " --reason TEXT"}
	default:
		ev.Commands = []string{show}
	}
	return ev
}

// brokenName is what a rejected candidate is called after BROKEN_ACTION (the date as a pattern).
func brokenName(p config.Promote, name string) string {
	if p.BrokenAction == config.BrokenDelete {
		return "deleted"
	}
	return strings.NewReplacer("{name}", name, "{date}", "<date>").Replace(p.BrokenName)
}

// logTail returns the last n lines of a build log, each cut to 300 bytes.
func logTail(path string, n int) []string { return fsutil.Tail(path, n, 300) }
