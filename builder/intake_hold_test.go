package builder

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/event"
	"github.com/packuilon/packuilon/internal/state"
	"github.com/packuilon/packuilon/templates"
)

// TestIntakeReservationHoldsItsConfig: a slot set aside at intake holds the configuration its
// build would run under (Config.Hold) until the slot is given back, however many reloads come
// between: a build claimed at intake logs that configuration's paths as dispatched ones do.
func TestIntakeReservationHoldsItsConfig(t *testing.T) {
	dir := t.TempDir()
	shown := func(pw string) bool { return strings.Contains(config.AsWritten("auth file "+pw+"/admin-auth.sh"), pw) }
	var cur atomic.Pointer[config.Config]
	reload := func(pw string) {
		t.Helper()
		c := authFileFromSecret(t, dir, pw, "")
		old := cur.Swap(c)
		c.Replaces(old)
	}
	s := newScheduler(nil, &Pipeline{Stages: []Stage{&PackerStage{}}}, &cur, new(atomic.Pointer[templates.Set]), hclog.NewNullLogger())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s.ctx, s.buildCtx = ctx, ctx

	for _, give := range []struct {
		name string
		back func(res *reservation)
	}{
		{"unreserved", s.unreserve},
		{"key busy", func(res *reservation) { s.recorded(state.Recorded{KeyBusy: true}, res) }},
	} {
		pw := "reserved-s3cret-" + strings.ReplaceAll(give.name, " ", "-")
		reload(pw)
		res := s.reserve(event.BuildRequest{ImageKey: "key-" + pw})
		if res == nil {
			t.Fatalf("%s: no slot set aside", give.name)
		}
		for _, next := range []string{"second", "third", "fourth"} {
			reload(next + "-s3cret")
		}
		if shown(pw) {
			t.Fatalf("%s: the reserved build's path is shown after three reloads", give.name)
		}
		give.back(res)
		if !shown(pw) {
			t.Errorf("%s: the configuration of a slot given back is still hidden", give.name)
		}
	}
}
