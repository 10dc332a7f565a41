package glance

import (
	"fmt"
	"testing"

	"github.com/gophercloud/gophercloud/v2/openstack/image/v2/images"
)

// BenchmarkPromote50Members promotes a candidate over a shared image with 50 member projects on
// the real Keystone + Glance, serially and with the default member concurrency, and reports the
// API requests one promotion makes.
func BenchmarkPromote50Members(b *testing.B) {
	for _, conc := range []int{1, 8} {
		b.Run(fmt.Sprintf("member_concurrency=%d", conc), func(b *testing.B) {
			e := newEnv(b)
			k, name := key(b)
			prev := e.upload(name, images.ImageVisibilityShared, map[string]string{PropKey: k, PropState: StateCurrent, "AQ_OS": "sl"})
			e.share(prev, e.projectIDs(50))
			opts := defaults()
			opts.MemberConcurrency = conc
			s := e.store(opts)
			var calls int64
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				cand := e.upload(name, images.ImageVisibilityPrivate, nil)
				b.StartTimer()
				res, err := s.Promote(e.ctx, Candidate{ImageID: cand, Key: k, Name: name})
				if err != nil {
					b.Fatal(err)
				}
				if res.Members != 50 {
					b.Fatalf("%d members, want 50", res.Members)
				}
				calls += res.Calls
			}
			b.ReportMetric(float64(calls)/float64(b.N), "api-calls/op")
		})
	}
}
