package builder

import (
	"fmt"
	"slices"
	"sync"
	"time"
)

// stepTrace collects, for each dispatch sample, when each step of the path (see step) was
// first reached after the publish, and reports the median of each step's time since the
// publish: where the milliseconds of dispatch latency go.
type stepTrace struct {
	mu      sync.Mutex
	t0      time.Time
	cur     map[string]time.Duration
	order   []string // steps in the order first seen
	samples map[string][]time.Duration
}

func newStepTrace() *stepTrace {
	tr := &stepTrace{samples: map[string][]time.Duration{}}
	f := func(name string) {
		tr.mu.Lock()
		defer tr.mu.Unlock()
		if tr.cur == nil {
			return
		}
		if _, seen := tr.cur[name]; !seen {
			tr.cur[name] = time.Since(tr.t0)
		}
		if !slices.Contains(tr.order, name) {
			tr.order = append(tr.order, name)
		}
	}
	stepHook.Store(&f)
	return tr
}

// begin starts a sample: its publish time is now.
func (tr *stepTrace) begin() time.Time {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.t0, tr.cur = time.Now(), map[string]time.Duration{}
	return tr.t0
}

// keep counts the sample whose packer started at t1.
func (tr *stepTrace) keep(t1 time.Time) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	for k, d := range tr.cur {
		tr.samples[k] = append(tr.samples[k], d)
	}
	tr.samples["packer-started"] = append(tr.samples["packer-started"], t1.Sub(tr.t0))
	tr.cur = nil
}

func (tr *stepTrace) stop() { stepHook.Store(nil) }

// report logs each step's median time since the publish, and the median step before it.
func (tr *stepTrace) report(name string) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	med := map[string]time.Duration{}
	var steps []string
	for _, s := range append(slices.Clone(tr.order), "packer-started") {
		v := slices.Clone(tr.samples[s])
		if len(v) == 0 {
			continue // a step after packer started (the build's later stages)
		}
		slices.Sort(v)
		med[s] = v[len(v)/2]
		steps = append(steps, s)
	}
	slices.SortStableFunc(steps, func(a, b string) int { return int(med[a] - med[b]) })
	// One line per step, "dispatch-trace <setup> <step> <ms since publish> (+<ms since the
	// step before>)", for scripts/bench.sh to pick out; not b.Log, which a benchmark cuts short.
	var prev time.Duration
	for _, s := range steps {
		fmt.Printf("dispatch-trace %-20s %-20s %8.2f ms  (+%.2f)\n", name, s, float64(med[s].Microseconds())/1000, float64((med[s]-prev).Microseconds())/1000)
		prev = med[s]
	}
}
