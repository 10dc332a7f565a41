package builder

import (
	"context"
	"net/http"

	"github.com/hashicorp/go-hclog"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/notify"
	"github.com/packuilon/packuilon/internal/state"
	"github.com/packuilon/packuilon/internal/web"
)

// observability is what the daemon shows of itself: metrics, health, STATUS= and the HTTP
// endpoint (HTTP_LISTEN) serving them with the status page.
type observability struct {
	metrics *web.Metrics
	health  *web.Health
	server  *web.Server
	log     hclog.Logger
}

// observe sets up the metrics and health of a daemon on st. The HTTP endpoint starts with
// serve; a port that cannot be bound is logged as an error and the daemon runs without it
// (builds matter more than their dashboard).
func observe(st *state.Store, log hclog.Logger) *observability {
	return &observability{
		metrics: web.NewMetrics(st.CountStates, st.CountRollbacks),
		health:  &web.Health{Broker: true, CheckStore: st.CheckWritable},
		log:     log,
	}
}

func (o *observability) serve(h config.HTTP, page http.Handler) {
	if h.Listen == "" {
		return
	}
	srv, err := web.Start(h.Listen, o.metrics.Registry, o.health, page, o.log.Named("http"))
	if err != nil {
		o.log.Error("no metrics, health or status page", "error", err)
		return
	}
	o.server = srv
}

func (o *observability) close() {
	if o.server != nil {
		o.server.Close()
	}
}

// brokerState is the consumer's OnState: health, the gauge, and (through statusText) STATUS=.
func (o *observability) brokerState(connected bool, err error, permanent bool) {
	o.health.SetBroker(connected, err, permanent)
	if connected {
		o.metrics.BrokerUp.Set(1)
	} else {
		o.metrics.BrokerUp.Set(0)
	}
}

// delivered is the dispatcher's Observe: packuilon_notifications_total.
func (o *observability) delivered(n notify.Outcome) {
	o.metrics.Notifications.WithLabelValues(string(n)).Inc()
}

// status keeps STATUS= current until ctx is done.
func (o *observability) status(ctx context.Context, st *state.Store) {
	reportStatus(ctx, st, o.health, o.log)
}
