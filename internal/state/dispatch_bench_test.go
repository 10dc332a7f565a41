package state

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"
)

// BenchmarkDispatchWrites measures, on each back-end, the store writes on a build's way from
// the broker to packer: the durable intake, the claim straight into the first stage, and the
// move into the next stage under the lease (then the durable finish, off that path), and the
// intake that claims its build in the same transaction (intake-claim: a request that may
// start at once). It reports the median of each in milliseconds, one build at a time.
func BenchmarkDispatchWrites(b *testing.B) {
	const samples = 200
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			ctx := context.Background()
			s, _ := be.open(b)
			for i := 0; i < b.N; i++ {
				times := map[string][]time.Duration{}
				lap := func(name string, t0 time.Time) time.Time {
					now := time.Now()
					times[name] = append(times[name], now.Sub(t0))
					return now
				}
				for n := 0; n < samples; n++ {
					t0 := time.Now()
					r, _, err := s.Intake(ctx, req(fmt.Sprintf("bench%d", n%10), "d"), "m")
					if err != nil {
						b.Fatal(err)
					}
					t0 = lap("intake", t0)
					l, _, err := s.ClaimBuildInto(ctx, r.ID, "host/1/1", time.Hour, "fp", Rendering, "render")
					if err != nil {
						b.Fatal(err)
					}
					t0 = lap("claim", t0)
					if _, err := l.Advance(ctx, []byte(`{}`), "log", "fp", Building, "packer"); err != nil {
						b.Fatal(err)
					}
					t0 = lap("advance", t0)
					if _, err := l.Finish(ctx, Succeeded, "built", nil); err != nil {
						b.Fatal(err)
					}
					lap("finish", t0)
					// A request that may start at once: claimed in its intake transaction.
					t0 = time.Now()
					out, err := s.IntakeBatch(ctx, []Incoming{{Request: req(fmt.Sprintf("bench%d", n%10), "d"), MessageID: "m",
						Claim: &IntakeClaim{Owner: "host/1/1", TTL: time.Hour, Fingerprint: fmt.Sprint("fp", n), State: Rendering, Stage: "render"}}})
					if err != nil || out[0].Lease == nil {
						b.Fatalf("intake with its claim: %v, claimed %v", err, err == nil && out[0].Lease != nil)
					}
					lap("intake-claim", t0)
					if _, err := out[0].Lease.Finish(ctx, Succeeded, "built", nil); err != nil {
						b.Fatal(err)
					}
				}
				for _, name := range []string{"intake", "claim", "advance", "finish", "intake-claim"} {
					v := times[name]
					slices.Sort(v)
					b.ReportMetric(float64(v[len(v)/2].Microseconds())/1000, name+"-ms")
				}
			}
		})
	}
}
