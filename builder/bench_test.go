package builder

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	amqp091 "github.com/rabbitmq/amqp091-go"

	"github.com/packuilon/packuilon/internal/amqp"
	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/event"
	"github.com/packuilon/packuilon/internal/state"
	"github.com/packuilon/packuilon/internal/testenv"
)

// benchSetup is a deployment a benchmark runs against: builders on one store.
type benchSetup struct {
	name     string
	builders int
	postgres bool
}

// benchSetups: one builder on SQLite (the default) and three sharing PostgreSQL.
var benchSetups = []benchSetup{{"sqlite-1-builder", 1, false}, {"postgres-3-builders", 3, true}}

// benchConfig is the test tree on queue g, its store as setup says.
func benchConfig(b *testing.B, g config.Global, setup benchSetup) *config.Config {
	cfg := loadTree(b, g)
	if setup.postgres {
		pg := testenv.SharedPostgres(b)
		cfg.Builder.StateDB, cfg.Builder.StateDBPasswordFile = pg.NewDatabase(b), pg.PasswordFile
	}
	return cfg
}

// BenchmarkDispatchLatency measures publish → packer process started, through the real
// broker, intake, the store and the scheduler, one request at a time (each after the previous
// build ended, so no queueing behind THREAD_COUNT), with one builder on SQLite and three on
// PostgreSQL. It reports p50 and p99 in milliseconds.
func BenchmarkDispatchLatency(b *testing.B) {
	needPacker(b)
	rmq := testenv.SharedRabbit(b)
	const samples = 100
	for _, setup := range benchSetups {
		b.Run(setup.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				g := rmq.Global(testenv.UniqueName(b))
				cfg := benchConfig(b, g, setup)
				started := make(chan time.Time, samples*setup.builders)
				for n := 0; n < setup.builders; n++ {
					startDaemon(b, cfg, func(int) { started <- time.Now() })
				}
				st := openStore(b, cfg)
				pub, err := amqp.NewBuildPublisher(dial(b, g), g)
				if err != nil {
					b.Fatal(err)
				}
				var lat []time.Duration
				tr := newStepTrace()
				defer tr.stop()
				for n := -3; n < samples; n++ { // the first ones warm up: consumers connect meanwhile
					req := request(fmt.Sprintf("bench%d", n+3), "")
					body := mustJSON(b, req)
					t0 := tr.begin()
					if err := pub.Publish(context.Background(), amqp.Message{Body: body, MessageID: req.ImageKey, Type: event.Schema}); err != nil {
						b.Fatal(err)
					}
					select {
					case t1 := <-started:
						if n >= 0 {
							lat = append(lat, t1.Sub(t0))
							tr.keep(t1)
						}
					case <-time.After(2 * time.Minute):
						b.Fatalf("packer did not start for request %d; its builds in the store: %+v", n, builds(b, st, req.ImageKey))
					}
					waitFor(b, 2*time.Minute, "the build to end", func() bool {
						recs := builds(b, st, req.ImageKey)
						return len(recs) == 1 && recs[0].State.Terminal()
					})
				}
				pub.Close()
				sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
				p50, p99 := lat[len(lat)/2], lat[(len(lat)*99+99)/100-1]
				b.ReportMetric(float64(p50.Microseconds())/1000, "p50-ms")
				b.ReportMetric(float64(p99.Microseconds())/1000, "p99-ms")
				b.Logf("%s: dispatch latency over %d requests: p50 %s, p99 %s", setup.name, samples, p50, p99)
				tr.report(setup.name)
			}
		})
	}
}

// BenchmarkIntakeThroughput preloads the queue, then measures how fast the builders' intake
// takes requests off the real broker, validates them and commits them to the store before
// acking, each waiting batch in one transaction (one fsync): one intake on SQLite, three
// competing intakes on one PostgreSQL database. It reports requests/s and requests per commit.
func BenchmarkIntakeThroughput(b *testing.B) {
	rmq := testenv.SharedRabbit(b)
	const n = 4000
	for _, setup := range benchSetups {
		b.Run(setup.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				g := rmq.Global(testenv.UniqueName(b))
				cfg := benchConfig(b, g, setup)
				bodies := make([][]byte, n)
				for j := range bodies {
					bodies[j] = mustJSON(b, request(fmt.Sprintf("key%d", j%200), fmt.Sprintf("sha256:%d", j)))
				}
				publish(b, g, bodies...)
				var recorded, commits atomic.Int64
				done := make(chan struct{})
				var once sync.Once
				ctx, cancel := context.WithCancel(context.Background())
				var wg sync.WaitGroup
				var consumers []*amqp.Consumer
				for k := 0; k < setup.builders; k++ {
					st, err := openBuildStore(cfg.Builder)
					if err != nil {
						b.Fatal(err)
					}
					defer st.Close()
					in := &intake{store: st, log: hclog.NewNullLogger()}
					consumers = append(consumers, &amqp.Consumer{Global: g, Prefetch: cfg.Builder.Prefetch, Log: hclog.NewNullLogger(),
						HandleBatch: func(ctx context.Context, ds []amqp091.Delivery) []error {
							commits.Add(1)
							errs := in.handleBatch(ctx, ds)
							for _, err := range errs {
								if err == nil && recorded.Add(1) == n {
									once.Do(func() { close(done) })
								}
							}
							return errs
						}})
				}
				t0 := time.Now()
				for _, c := range consumers {
					wg.Add(1)
					go func() { defer wg.Done(); c.Run(ctx) }()
				}
				select {
				case <-done:
				case <-time.After(5 * time.Minute):
					b.Fatal("intake did not finish")
				}
				d := time.Since(t0)
				cancel()
				wg.Wait()
				b.ReportMetric(float64(n)/d.Seconds(), "requests/s")
				b.ReportMetric(float64(n)/float64(commits.Load()), "requests/commit")
				b.Logf("%s: %d requests recorded in %s (%.0f/s) in %d commits", setup.name, n, d, float64(n)/d.Seconds(), commits.Load())
			}
		})
	}
}

// BenchmarkTakeover measures how long after the SIGKILL of the builder that runs a build
// another builder resumes it (its next attempt starts), with LEASE_TIMEOUT = 4s (heartbeat 1s):
// the bound is LEASE_TIMEOUT plus one heartbeat after the last renewal.
func BenchmarkTakeover(b *testing.B) {
	const samples = 3
	for i := 0; i < b.N; i++ {
		c := newCluster(b, 2, "4s", 400) // a build takes 20 s: it is still running when killed
		c.start(0)
		c.start(1)
		st := c.store()
		pub, err := amqp.NewBuildPublisher(dial(b, c.g), c.g)
		if err != nil {
			b.Fatal(err)
		}
		var times []time.Duration
		for n := 0; n < samples; n++ {
			req := request(fmt.Sprintf("takeover%d", n), "")
			if err := pub.Publish(context.Background(), amqp.Message{Body: mustJSON(b, req), MessageID: req.ImageKey, Type: event.Schema}); err != nil {
				b.Fatal(err)
			}
			var held state.LeaseInfo
			waitFor(b, time.Minute, "the build to run", func() bool {
				ls, _ := st.Leases(context.Background())
				recs := builds(b, st, req.ImageKey)
				if len(ls) == 1 && len(recs) == 1 && recs[0].State == state.Building {
					held = ls[0]
					return true
				}
				return false
			})
			victim := c.indexOf(held.Owner)
			owner, at := c.kill(victim)
			var by string
			var resumed time.Time
			waitFor(b, time.Minute, "another builder to resume the build", func() bool {
				by, resumed = takeover(b, st, held.BuildID, owner, at)
				return by != ""
			})
			times = append(times, resumed.Sub(at))
			c.start(victim)
			waitFor(b, 2*time.Minute, "the resumed build to end", func() bool {
				r, err := st.Get(context.Background(), held.BuildID)
				return err == nil && r.State.Terminal()
			})
		}
		pub.Close()
		var sum, worst time.Duration
		for _, d := range times {
			sum += d
			worst = max(worst, d)
		}
		b.ReportMetric(sum.Seconds()/float64(len(times)), "mean-s")
		b.ReportMetric(worst.Seconds(), "max-s")
		b.Logf("takeover after SIGKILL (LEASE_TIMEOUT 4s, heartbeat 1s, bound 5s): %v", times)
	}
}
