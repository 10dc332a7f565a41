// Package web is the HTTP side of the daemons: /metrics (Prometheus), /healthz and, for the
// builder, the status page. It knows nothing of the builder's types: the builder feeds it
// through Metrics, Health and the Actions of the page.
package web

import (
	"context"
	"math"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Metrics are the builder's Prometheus metrics, in a registry of their own.
type Metrics struct {
	Registry      *prometheus.Registry
	Builds        *prometheus.CounterVec
	BuildDuration *prometheus.HistogramVec
	StageDuration *prometheus.HistogramVec
	LastSuccess   *prometheus.GaugeVec
	SmokeVerdicts *prometheus.CounterVec
	Promotions    prometheus.Counter
	Notifications *prometheus.CounterVec
	BrokerUp      prometheus.Gauge
	// own are packuilon's collectors (without Go's and the process's).
	own []prometheus.Collector
}

// buildBuckets span a quick failure (seconds) to a long image build (hours).
var buildBuckets = []float64{1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400}

// CountStates returns the number of builds in each non-final state (for the in-progress gauge).
type CountStates func(ctx context.Context) (map[string]int, error)

// NewMetrics registers the builder's metrics; inProgress and rollbacks are read from the build
// store at every scrape.
func NewMetrics(inProgress CountStates, rollbacks func(ctx context.Context) (int, error)) *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		Builds: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "packuilon_builds_total",
			Help: "Builds that ended since the daemon started, by result (succeeded, failed, rejected, denied, cancelled)."}, []string{"result"}),
		BuildDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "packuilon_build_duration_seconds",
			Help: "Duration of ended builds (this attempt), by result.", Buckets: buildBuckets}, []string{"result"}),
		StageDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "packuilon_stage_duration_seconds",
			Help: "Duration of build stages, by stage and outcome (ok, error).", Buckets: buildBuckets}, []string{"stage", "outcome"}),
		LastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "packuilon_last_success_timestamp_seconds",
			Help: "Unix time of the last successful build, by image key."}, []string{"image_key"}),
		SmokeVerdicts: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "packuilon_smoke_verdicts_total",
			Help: "Smoke-test verdicts of candidates (passed, rejected, error)."}, []string{"verdict"}),
		Promotions: prometheus.NewCounter(prometheus.CounterOpts{Name: "packuilon_promotions_total",
			Help: "Images promoted to current."}),
		Notifications: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "packuilon_notifications_total",
			Help: "Notification deliveries, by result (sent, retry, failed)."}, []string{"result"}),
		BrokerUp: prometheus.NewGauge(prometheus.GaugeOpts{Name: "packuilon_broker_connected",
			Help: "1 while the builder is connected to the broker, else 0."}),
	}
	rb := prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "packuilon_rollbacks_total",
		Help: "Rollbacks made with packuilon rollback (logged in the build store)."}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		n, err := rollbacks(ctx)
		if err != nil {
			return math.NaN()
		}
		return float64(n)
	})
	m.own = []prometheus.Collector{m.Builds, m.BuildDuration, m.StageDuration, m.LastSuccess, m.SmokeVerdicts,
		m.Promotions, rb, m.Notifications, m.BrokerUp,
		&stateCollector{count: inProgress, desc: prometheus.NewDesc("packuilon_builds_in_progress",
			"Builds not ended, by state (queued, rendering, building, testing, awaiting_approval, promoting).", []string{"state"}, nil)}}
	m.Registry.MustRegister(m.own...)
	m.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// InProgressStates are the states reported by packuilon_builds_in_progress (0 when none).
var InProgressStates = []string{"queued", "rendering", "building", "testing", "awaiting_approval", "promoting"}

// stateCollector reads the build store at scrape time, so the gauge is right whoever changed
// the store (the CLI's retry and cancel too).
type stateCollector struct {
	count CountStates
	desc  *prometheus.Desc
}

func (c *stateCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *stateCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	counts, err := c.count(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.desc, err)
		return
	}
	for _, s := range InProgressStates {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(counts[s]), s)
	}
}

// WatchMetrics are the watcher's Prometheus metrics.
type WatchMetrics struct {
	Registry     *prometheus.Registry
	Scans        *prometheus.CounterVec
	Published    prometheus.Counter
	ScanDuration prometheus.Histogram
	LastSuccess  prometheus.Gauge
	own          []prometheus.Collector
}

// NewWatchMetrics registers the watcher's metrics.
func NewWatchMetrics() *WatchMetrics {
	m := &WatchMetrics{
		Registry: prometheus.NewRegistry(),
		Scans: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "packuilon_scans_total",
			Help: "Profile scans, by result (ok, failed)."}, []string{"result"}),
		Published: prometheus.NewCounter(prometheus.CounterOpts{Name: "packuilon_profiles_published_total",
			Help: "Build requests published for changed profiles."}),
		ScanDuration: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "packuilon_scan_duration_seconds",
			Help: "Duration of profile scans.", Buckets: prometheus.ExponentialBuckets(0.1, 2, 14)}),
		LastSuccess: prometheus.NewGauge(prometheus.GaugeOpts{Name: "packuilon_last_successful_scan_timestamp_seconds",
			Help: "Unix time of the last scan that completed."}),
	}
	m.own = []prometheus.Collector{m.Scans, m.Published, m.ScanDuration, m.LastSuccess}
	m.Registry.MustRegister(m.own...)
	m.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}
