package web

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/packuilon/packuilon/internal/event"
	"github.com/packuilon/packuilon/internal/state"
)

// BenchmarkStatusPage renders the overview over a store of 1000 builds of 100 image keys (the
// page reads at most the newest 1000), through a real HTTP server.
func BenchmarkStatusPage(b *testing.B) {
	st, err := state.Open(filepath.Join(b.TempDir(), "builds.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	for i := 0; i < 1000; i++ {
		req := event.NewRequest(event.Spec{Personality: fmt.Sprintf("p%d", i%100), Archetype: "ral-tier1", OS: "sl", OSVersion: "7x-x86_64",
			Branch: event.Branch{Type: event.BranchDomain, Name: "prod"}}, event.ReasonManual)
		rec, _, err := st.Intake(ctx, req, "")
		if err != nil {
			b.Fatal(err)
		}
		if _, err := st.Finish(ctx, rec.ID, state.Failed, "stage packer failed", nil); err != nil {
			b.Fatal(err)
		}
	}
	srv := httptest.NewServer(&Page{Store: st, Log: hclog.NewNullLogger()})
	defer srv.Close()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		resp, err := http.Get(srv.URL + "/")
		if err != nil {
			b.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("status %d", resp.StatusCode)
		}
		b.SetBytes(n)
	}
}
