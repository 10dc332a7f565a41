package glance

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/images"
)

// BenchmarkPromote50Members promotes a candidate over a shared image with 50 member projects on
// the real Keystone + Glance, serially and with the default member concurrency (and twice it),
// and reports the API requests one promotion makes and its fastest and median wall time (the
// mean of a loaded machine says more about the other processes than about the promotion).
func BenchmarkPromote50Members(b *testing.B) {
	for _, conc := range []int{1, 8, 16} {
		b.Run(fmt.Sprintf("member_concurrency=%d", conc), func(b *testing.B) {
			e := newEnv(b)
			k, name := key(b)
			prev := e.upload(name, images.ImageVisibilityShared, map[string]string{PropKey: k, PropState: StateCurrent, "AQ_OS": "sl"})
			e.share(prev, e.projectIDs(50))
			opts := defaults()
			opts.MemberConcurrency = conc
			s := e.store(opts)
			var calls int64
			var took []time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				cand := e.upload(name, images.ImageVisibilityPrivate, nil)
				b.StartTimer()
				start := time.Now()
				res, err := s.Promote(e.ctx, Candidate{ImageID: cand, Key: k, Name: name})
				took = append(took, time.Since(start))
				if err != nil {
					b.Fatal(err)
				}
				if res.Members != 50 {
					b.Fatalf("%d members, want 50", res.Members)
				}
				calls += res.Calls
			}
			b.ReportMetric(float64(calls)/float64(b.N), "api-calls/op")
			slices.Sort(took)
			b.ReportMetric(float64(took[0].Milliseconds()), "min-ms")
			b.ReportMetric(float64(took[len(took)/2].Milliseconds()), "p50-ms")
		})
	}
}
