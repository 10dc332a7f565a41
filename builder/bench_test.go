package builder

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/packuilon/packuilon/internal/amqp"
	"github.com/packuilon/packuilon/internal/state"
	"github.com/packuilon/packuilon/internal/testenv"
)

// BenchmarkDispatchLatency measures publish → packer process started, through the real
// broker, intake, the store and the scheduler, one request at a time (each after the previous
// build ended, so no queueing behind THREAD_COUNT). It reports p50 and p99 in milliseconds.
func BenchmarkDispatchLatency(b *testing.B) {
	needPacker(b)
	rmq := testenv.SharedRabbit(b)
	const samples = 20
	for i := 0; i < b.N; i++ {
		g := rmq.Global(testenv.UniqueName(b))
		cfg := loadTree(b, g)
		started := make(chan time.Time, samples)
		startDaemon(b, cfg, func(int) { started <- time.Now() })
		st := openStore(b, cfg)
		var lat []time.Duration
		for n := -1; n < samples; n++ { // n = -1 warms up: the consumer connects meanwhile
			req := request(fmt.Sprintf("bench%d", n), "")
			t0 := time.Now()
			publish(b, g, mustJSON(b, req))
			select {
			case t1 := <-started:
				if n >= 0 {
					lat = append(lat, t1.Sub(t0))
				}
			case <-time.After(2 * time.Minute):
				b.Fatal("packer did not start")
			}
			waitFor(b, 2*time.Minute, "the build to end", func() bool {
				recs := builds(b, st, req.ImageKey)
				return len(recs) == 1 && recs[0].State.Terminal()
			})
		}
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		p50, p99 := lat[len(lat)/2], lat[(len(lat)*99+99)/100-1]
		b.ReportMetric(float64(p50.Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(p99.Microseconds())/1000, "p99-ms")
		b.Logf("dispatch latency over %d requests: p50 %s, p99 %s, all %v", samples, p50, p99, lat)
	}
}

// BenchmarkIntakeThroughput preloads the queue, then measures how fast the consumer takes
// requests off the real broker, validates them and commits them to the store (fsync per
// request) before acking.
func BenchmarkIntakeThroughput(b *testing.B) {
	rmq := testenv.SharedRabbit(b)
	const n = 2000
	for i := 0; i < b.N; i++ {
		g := rmq.Global(testenv.UniqueName(b))
		bodies := make([][]byte, n)
		for j := range bodies {
			bodies[j] = mustJSON(b, request(fmt.Sprintf("key%d", j%200), fmt.Sprintf("sha256:%d", j)))
		}
		publish(b, g, bodies...)
		st, err := state.Open(filepath.Join(b.TempDir(), "builds.db"))
		if err != nil {
			b.Fatal(err)
		}
		var mu sync.Mutex
		count := 0
		done := make(chan struct{})
		in := &intake{store: st, log: hclog.NewNullLogger(), recorded: func() {
			mu.Lock()
			defer mu.Unlock()
			if count++; count == n {
				close(done)
			}
		}}
		ctx, cancel := context.WithCancel(context.Background())
		c := &amqp.Consumer{Global: g, Prefetch: 64, Log: hclog.NewNullLogger(), Handle: in.handle}
		t0 := time.Now()
		go c.Run(ctx)
		select {
		case <-done:
		case <-time.After(5 * time.Minute):
			b.Fatal("intake did not finish")
		}
		d := time.Since(t0)
		cancel()
		st.Close()
		b.ReportMetric(float64(n)/d.Seconds(), "requests/s")
		b.Logf("intake: %d requests recorded in %s (%.0f/s)", n, d, float64(n)/d.Seconds())
	}
}
