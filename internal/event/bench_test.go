package event_test

import (
	"bytes"
	"fmt"
	"runtime"
	"testing"

	"github.com/packuilon/packuilon/internal/event"
	"github.com/packuilon/packuilon/internal/testenv"
)

// BenchmarkDecodeMemory reports the memory Decode allocates per MB of message: a whole 20 MB
// profile (what cdb2rabbit publishes for a large host), a v1 request, and the hostile 120 MB
// message of issue 12 (a JSON array of 60 million small numbers), which must be refused.
func BenchmarkDecodeMemory(b *testing.B) {
	profile := testenv.TemplateProfile{Host: "h", Domain: "cloud.template", Personality: "p", Archetype: "a", OS: "sl",
		Model: "7x-x86_64", Branch: "prod", Revision: 1, Size: 20 << 20}.JSON()
	var hostile bytes.Buffer
	hostile.WriteString(`{"system":[0`)
	for hostile.Len() < 120<<20 {
		hostile.WriteString(",0,0,0,0,0,0,0,0")
	}
	hostile.WriteString("]}")
	req := event.NewRequest(event.Spec{Personality: "p", Archetype: "a", OS: "sl", OSVersion: "7x-x86_64",
		Branch: event.Branch{Type: event.BranchDomain, Name: "prod"}}, event.ReasonManual)
	v1 := []byte(fmt.Sprintf(`{"schema":%q,"image_key":"p-sl7x-x86_64","personality":"p","archetype":"a","os":"sl","os_version":"7x-x86_64","branch":{"type":"domain","name":"prod"},"reason":"manual","requested_at":%q}`,
		event.Schema, req.RequestedAt.Format("2006-01-02T15:04:05Z")))
	for _, c := range []struct {
		name    string
		body    []byte
		refused bool
	}{{"profile-20MB", profile, false}, {"v1-request", v1, false}, {"hostile-120MB", hostile.Bytes(), true}} {
		b.Run(c.name, func(b *testing.B) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			for range b.N {
				_, _, err := event.Decode(c.body)
				if (err != nil) != c.refused {
					b.Fatalf("err = %v", err)
				}
			}
			runtime.ReadMemStats(&after)
			perMB := float64(after.TotalAlloc-before.TotalAlloc) / float64(b.N) / (float64(len(c.body)) / (1 << 20))
			b.ReportMetric(perMB/(1<<20), "alloc-MB-per-MB")
			b.ReportMetric(float64(len(c.body))/(1<<20), "body-MB")
			fmt.Printf("decode-memory %s: %.2f MB allocated per MB of message (%d bytes)\n", c.name, perMB/(1<<20), len(c.body))
		})
	}
}
