package web

import (
	"fmt"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/packuilon/packuilon/internal/config"
)

// Watcher is the watcher daemon's HTTP side: its metrics and /healthz (503 while the last
// scan failed, with the reason).
type Watcher struct {
	Metrics *WatchMetrics
	Health  *Health
	server  *Server
}

// StartWatcher serves the watcher's metrics and health on h.Listen (nothing when off). A port
// that cannot be bound is logged as an error; the watcher runs without the endpoint.
func StartWatcher(h config.HTTP, log hclog.Logger) *Watcher {
	w := &Watcher{Metrics: NewWatchMetrics(), Health: &Health{}}
	if h.Listen == "" {
		return w
	}
	srv, err := Start(h.Listen, w.Metrics.Registry, w.Health, nil, log.Named("http"))
	if err != nil {
		log.Error("no metrics or health endpoint", "error", err)
		return w
	}
	w.server = srv
	return w
}

// Scanned records one scan: how many requests it published, how long it took, and its error.
// It returns the daemon's systemd STATUS= text ("last scan 05:52:01: 2 published" or the
// failure).
func (w *Watcher) Scanned(published int, d time.Duration, err error) string {
	w.Health.SetLastError(err)
	w.Metrics.ScanDuration.Observe(d.Seconds())
	if err != nil {
		w.Metrics.Scans.WithLabelValues("failed").Inc()
		return config.AsWritten(fmt.Sprintf("last scan %s failed: %v", time.Now().Format(time.TimeOnly), err))
	}
	w.Metrics.Scans.WithLabelValues("ok").Inc()
	w.Metrics.Published.Add(float64(published))
	w.Metrics.LastSuccess.SetToCurrentTime()
	return fmt.Sprintf("last scan %s: %d published", time.Now().Format(time.TimeOnly), published)
}

// Close stops the endpoint.
func (w *Watcher) Close() {
	if w.server != nil {
		w.server.Close()
	}
}
