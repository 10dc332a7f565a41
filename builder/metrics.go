package builder

import (
	"context"
	"strings"
	"time"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/state"
	"github.com/packuilon/packuilon/internal/web"
)

// metricsObserver feeds the Prometheus metrics from the pipeline.
type metricsObserver struct{ m *web.Metrics }

// results maps the event a build ended with to the result label of packuilon_builds_total.
var results = map[string]string{
	config.EventBuildSucceeded: "succeeded",
	config.EventBuildFailed:    "failed",
	config.EventBuildRejected:  "rejected",
	config.EventBuildDenied:    "denied",
	config.EventBuildCancelled: "cancelled",
}

// fromJournal are the events whose builds the endingCounter counts (from the store's journal),
// so the pipeline does not count them again.
var fromJournal = map[string]bool{config.EventBuildDenied: true, config.EventBuildCancelled: true}

func (o metricsObserver) StageEnded(b *Build, stage string, d time.Duration, err error) {
	outcome := "ok"
	if err != nil {
		outcome = "error"
	}
	o.m.StageDuration.WithLabelValues(stage, outcome).Observe(d.Seconds())
	if stage != "testing" {
		return
	}
	for _, a := range b.Artifacts {
		switch {
		case a.Promoted || a.TestVerdict == "":
		case a.Rejected:
			o.m.SmokeVerdicts.WithLabelValues("rejected").Inc()
		case strings.HasPrefix(a.TestVerdict, "not judged"):
			o.m.SmokeVerdicts.WithLabelValues("error").Inc()
		default:
			o.m.SmokeVerdicts.WithLabelValues("passed").Inc()
		}
	}
}

func (o metricsObserver) BuildEnded(_ context.Context, rec state.Record, b *Build, event string) {
	res, ok := results[event]
	if !ok {
		return // awaiting approval: not an end
	}
	if !fromJournal[event] {
		o.m.Builds.WithLabelValues(res).Inc()
	}
	if b != nil && !b.began.IsZero() {
		o.m.BuildDuration.WithLabelValues(res).Observe(time.Since(b.began).Seconds())
	}
	if event != config.EventBuildSucceeded {
		return
	}
	o.m.LastSuccess.WithLabelValues(rec.ImageKey).SetToCurrentTime()
	if b != nil {
		for _, a := range b.Artifacts {
			if a.Promoted {
				o.m.Promotions.Inc()
			}
		}
	}
}
