package builder

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	dto "github.com/prometheus/client_model/go"

	"github.com/packuilon/packuilon/internal/state"
	"github.com/packuilon/packuilon/internal/testenv"
	"github.com/packuilon/packuilon/internal/web"
)

// gather reads the metrics as /metrics serves them.
func gather(t *testing.T, m *web.Metrics) map[string]*dto.MetricFamily {
	t.Helper()
	fams, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*dto.MetricFamily{}
	for _, f := range fams {
		out[f.GetName()] = f
	}
	return out
}

// TestBuildsTotalCountsDenialsAndCancellations: a build denied at the gate, one cancelled while
// queued and one cancelled while running (ended by the pipeline) are each counted once in
// packuilon_builds_total, in SQLite and PostgreSQL stores; a restarted daemon does not count
// them again.
func TestBuildsTotalCountsDenialsAndCancellations(t *testing.T) {
	pg := testenv.SharedPostgres(t)
	stores := map[string]func(t *testing.T) string{
		"sqlite":   func(t *testing.T) string { return filepath.Join(t.TempDir(), "builds.db") },
		"postgres": func(t *testing.T) string { return pg.NewDatabase(t) },
	}
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			var opts []state.Option
			if name == "postgres" {
				opts = append(opts, state.WithPasswordFile(pg.PasswordFile))
			}
			st, err := state.Open(stores[name](t), opts...)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			intake := func(personality string) state.Record {
				t.Helper()
				rec, _, err := st.Intake(ctx, request(personality, "sha256:"+personality), "")
				if err != nil {
					t.Fatal(err)
				}
				return rec
			}
			before := intake("before")
			if _, _, err := st.Cancel(ctx, before.ID, "alice"); err != nil {
				t.Fatal(err)
			}
			m := web.NewMetrics(st.CountStates, st.CountRollbacks)
			c, err := newEndingCounter(ctx, st, m, hclog.NewNullLogger())
			if err != nil {
				t.Fatal(err)
			}
			gated := intake("gated")
			if _, err := st.Transition(ctx, gated.ID, state.AwaitingApproval, "approval"); err != nil {
				t.Fatal(err)
			}
			if _, err := st.Deny(ctx, gated.ID, "alice", "wrong kernel"); err != nil {
				t.Fatal(err)
			}
			queued := intake("queued")
			if _, running, err := st.Cancel(ctx, queued.ID, "alice"); err != nil || running {
				t.Fatalf("cancel a queued build: running %v, %v", running, err)
			}
			run := intake("running")
			if _, err := st.Transition(ctx, run.ID, state.Building, "packer"); err != nil {
				t.Fatal(err)
			}
			if _, running, err := st.Cancel(ctx, run.ID, "alice"); err != nil || !running {
				t.Fatalf("cancel a running build: running %v, %v", running, err)
			}
			p := &Pipeline{Store: st, Observer: metricsObserver{m}}
			if _, err := p.cancelled(ctx, &Build{ID: run.ID, Log: hclog.NewNullLogger(), began: time.Now()}, &PackerStage{}, "alice"); err != nil {
				t.Fatal(err)
			}
			for range 2 { // a second read counts nothing again
				if err := c.count(ctx); err != nil {
					t.Fatal(err)
				}
			}
			fams := gather(t, m)
			for res, want := range map[string]float64{"denied": 1, "cancelled": 2} {
				if got := value(fams, "packuilon_builds_total", map[string]string{"result": res}); got != want {
					t.Errorf("packuilon_builds_total{result=%q} = %v, want %v", res, got, want)
				}
			}
			if got := value(fams, "packuilon_build_duration_seconds", map[string]string{"result": "cancelled"}); got != 1 {
				t.Errorf("cancelled build durations: %v, want 1 (the pipeline's)", got)
			}

			// A restarted daemon counts from its start only.
			m2 := web.NewMetrics(st.CountStates, st.CountRollbacks)
			c2, err := newEndingCounter(ctx, st, m2, hclog.NewNullLogger())
			if err != nil {
				t.Fatal(err)
			}
			if err := c2.count(ctx); err != nil {
				t.Fatal(err)
			}
			if got := value(gather(t, m2), "packuilon_builds_total", map[string]string{"result": "cancelled"}); got != -1 {
				t.Errorf("after a restart, cancelled = %v, want none", got)
			}
			if _, _, err := st.Cancel(ctx, intake("after").ID, "bob"); err != nil {
				t.Fatal(err)
			}
			if err := c2.count(ctx); err != nil {
				t.Fatal(err)
			}
			if got := value(gather(t, m2), "packuilon_builds_total", map[string]string{"result": "cancelled"}); got != 1 {
				t.Errorf("after a restart and one cancel, cancelled = %v, want 1", got)
			}
		})
	}
}
