package web

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/packuilon/packuilon/internal/config"
)

// Health is what /healthz and systemd's STATUS= say: whether the broker is connected (and why
// not), and whether the store can be written.
type Health struct {
	mu        sync.Mutex
	connected bool
	brokerErr string
	permanent bool
	// CheckStore, if set, must return nil when the store is writable.
	CheckStore func(ctx context.Context) error
	// Broker is false for a daemon without a standing broker connection (the watcher), whose
	// health is that of its last scan instead.
	Broker  bool
	lastErr string
}

// SetBroker records the broker connection's state; err is why it is down, permanent whether
// retrying cannot help (wrong password, no access to the vhost).
func (h *Health) SetBroker(connected bool, err error, permanent bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.connected, h.permanent, h.brokerErr = connected, permanent && !connected, ""
	if err != nil && !connected {
		h.brokerErr = err.Error()
	}
}

// SetLastError records the outcome of the last unit of work (the watcher's scans): "" is good.
func (h *Health) SetLastError(err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.lastErr = ""
	if err != nil {
		h.lastErr = err.Error()
	}
}

// Problem returns "" when healthy, else the reason, with what %(name)s references of the
// configuration brought into it (an error may quote a path or URL) shown as written.
func (h *Health) Problem(ctx context.Context) string {
	return config.AsWritten(h.problem(ctx))
}

func (h *Health) problem(ctx context.Context) string {
	h.mu.Lock()
	connected, brokerErr, permanent, lastErr := h.connected, h.brokerErr, h.permanent, h.lastErr
	h.mu.Unlock()
	switch {
	case h.Broker && !connected && permanent:
		return "broker refuses us (permanent, fix the configuration): " + brokerErr
	case h.Broker && !connected && brokerErr != "":
		return "broker unreachable: " + brokerErr
	case h.Broker && !connected:
		return "broker not connected yet"
	case lastErr != "":
		return "last scan failed: " + lastErr
	}
	if h.CheckStore != nil {
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		if err := h.CheckStore(ctx); err != nil {
			return "build store not writable: " + err.Error()
		}
	}
	return ""
}

// ServeHTTP is /healthz: 200 "ok", or 503 with the reason.
func (h *Health) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if p := h.Problem(r.Context()); p != "" {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, p)
		return
	}
	fmt.Fprintln(w, "ok")
}
