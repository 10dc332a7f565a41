package builder

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/packuilon/packuilon/internal/amqp"
	"github.com/packuilon/packuilon/internal/event"
	"github.com/packuilon/packuilon/internal/state"
)

// TestBuildersShareOneQueue runs three builder processes on one queue and one PostgreSQL
// store, publishes many requests for a few keys while SIGKILLing builders at random and
// restarting some, then checks: every key's newest request was built, no request was lost,
// no two builds of one key ever ran at once (the null builds' own records), nothing is left
// running, and every build a killed builder held was resumed by another builder.
func TestBuildersShareOneQueue(t *testing.T) {
	const builders, keys, rounds = 3, 4, 8
	c := newCluster(t, builders, "4s", 10)
	if os.Getenv("PACKUILON_STACKS") != "" {
		c.tail = 400
	}
	for i := 0; i < builders; i++ {
		c.start(i)
	}
	st := c.store()
	ctx := context.Background()
	conn := dial(t, c.g)
	pub, err := amqp.NewBuildPublisher(conn, c.g)
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 13))
	newest := map[string]string{} // key → digest of its newest request
	var published []string
	type kill struct {
		owner  string
		at     time.Time
		builds []string
	}
	var kills []kill
	for r := 0; r < rounds; r++ {
		for k := 0; k < keys; k++ {
			req := request(fmt.Sprintf("scale%d", k), fmt.Sprintf("sha256:%d-%d", k, r))
			if err := pub.Publish(ctx, amqp.Message{Body: mustJSON(t, req), MessageID: req.ProfileDigest, Type: event.Schema}); err != nil {
				t.Fatal(err)
			}
			newest[req.ImageKey] = req.ProfileDigest
			published = append(published, req.ProfileDigest)
		}
		time.Sleep(time.Duration(200+rng.IntN(800)) * time.Millisecond)
		if i := rng.IntN(builders); c.running(i) && rng.IntN(2) == 0 {
			held, err := st.Leases(ctx)
			if err != nil {
				t.Fatal(err)
			}
			owner, at := c.kill(i)
			k := kill{owner: owner, at: at}
			for _, l := range held {
				if strings.HasPrefix(string(l.Owner), owner) {
					k.builds = append(k.builds, l.BuildID)
				}
			}
			kills = append(kills, k)
			t.Logf("round %d: SIGKILL builder %d (%s) holding %d builds", r, i, owner, len(k.builds))
		}
		if i := rng.IntN(builders); !c.running(i) && rng.IntN(2) == 0 {
			c.start(i)
		}
		if !c.running(0) && !c.running(1) && !c.running(2) {
			c.start(rng.IntN(builders))
		}
	}
	for i := 0; i < builders; i++ {
		if !c.running(i) {
			c.start(i)
		}
	}
	waitFor(t, 90*time.Second, "every build to end", func() bool {
		recs := builds(t, st, "")
		n, err := amqp.QueueDepth(conn, c.g.Queue)
		return err == nil && n == 0 && allDone(recs) && len(recs) >= len(published)
	})

	recs := builds(t, st, "")
	byDigest := map[string][]state.Record{}
	for _, r := range recs {
		byDigest[r.Request.ProfileDigest] = append(byDigest[r.Request.ProfileDigest], r)
	}
	for _, d := range published {
		if len(byDigest[d]) == 0 {
			t.Errorf("request %s was lost", d)
		}
	}
	for key, d := range newest {
		ok := false
		for _, r := range byDigest[d] {
			ok = ok || r.State == state.Succeeded
		}
		if !ok {
			t.Errorf("%s: the newest request %s was not built: %+v", key, d, byDigest[d])
		}
	}
	runs := c.runs()
	if len(runs) != keys {
		t.Errorf("the null builds recorded runs of %d keys, want %d", len(runs), keys)
	}
	for key, rs := range runs {
		for i := 1; i < len(rs); i++ {
			if !rs[i].start.After(rs[i-1].end) {
				t.Errorf("%s: build %s started at %s while build %s ran until %s", key, rs[i].pid,
					rs[i].start.Format(time.StampMicro), rs[i-1].pid, rs[i-1].end.Format(time.StampMicro))
			}
		}
	}
	if held, _ := st.Leases(ctx); len(held) != 0 {
		t.Errorf("leases still held after the run: %+v", held)
	}
	for _, k := range kills {
		for _, id := range k.builds {
			resumedBy, at := takeover(t, st, id, k.owner, k.at)
			if resumedBy == "" && endedBefore(t, st, id, k.at) {
				continue // it ended between the look at the leases and the kill
			}
			if resumedBy == "" {
				t.Errorf("build %s of killed %s was not resumed by another builder", id, k.owner)
				continue
			}
			t.Logf("build %s of killed %s resumed by %s %s after the kill", id, k.owner, resumedBy, at.Sub(k.at).Round(time.Millisecond))
		}
	}
	t.Logf("%d requests, %d builds recorded, %d kills", len(published), len(recs), len(kills))
}

// takeover returns who started build id's next attempt after the kill of owner, and when.
func takeover(t testing.TB, st *state.Store, id, owner string, after time.Time) (string, time.Time) {
	t.Helper()
	j, err := st.Journal(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range j {
		var by string
		if e.At.Before(after) || !strings.HasPrefix(e.Message, "attempt ") {
			continue
		}
		if _, err := fmt.Sscanf(e.Message[strings.Index(e.Message, " started by ")+len(" started by "):], "%s", &by); err == nil && !strings.HasPrefix(by, owner) {
			return by, e.At
		}
	}
	return "", time.Time{}
}

// endedBefore reports whether build id reached an end state before at.
func endedBefore(t testing.TB, st *state.Store, id string, at time.Time) bool {
	t.Helper()
	j, err := st.Journal(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range j {
		if e.State.Terminal() {
			return e.At.Before(at)
		}
	}
	return false
}
