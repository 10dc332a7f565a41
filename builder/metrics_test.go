package builder

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/state"
	"github.com/packuilon/packuilon/internal/testenv"
)

// httpEndpoint gives cfg's builder a free loopback port and returns its base URL.
func httpEndpoint(t testing.TB, cfg *config.Config) string {
	t.Helper()
	port, err := testenv.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	cfg.BuilderHTTP.Listen = "127.0.0.1:" + strconv.Itoa(port)
	return "http://" + cfg.BuilderHTTP.Listen
}

func get(t testing.TB, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// scrape fetches /metrics and parses it with the Prometheus text parser.
func scrape(t testing.TB, base string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("/metrics does not parse: %v", err)
	}
	return fams
}

// value returns the value of the family's metric whose labels include want (-1 if none).
func value(fams map[string]*dto.MetricFamily, name string, want map[string]string) float64 {
	f, ok := fams[name]
	if !ok {
		return -1
	}
next:
	for _, m := range f.Metric {
		labels := map[string]string{}
		for _, l := range m.Label {
			labels[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if labels[k] != v {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount())
		}
	}
	return -1
}

// TestMetricsAndHealth runs a build that succeeds and one that fails, then scrapes /metrics
// with the Prometheus parser and checks /healthz.
func TestMetricsAndHealth(t *testing.T) {
	needPacker(t)
	rmq := testenv.SharedRabbit(t)
	g := rmq.Global(testenv.UniqueName(t))
	cfg := loadTree(t, g)
	base := httpEndpoint(t, cfg)
	startDaemon(t, cfg, nil)
	st := openStore(t, cfg)
	good, bad := request("metrics", "sha256:m1"), request("broken", "sha256:m2")
	publish(t, g, mustJSON(t, good), mustJSON(t, bad))
	for _, key := range []string{good.ImageKey, bad.ImageKey} {
		waitFor(t, 3*time.Minute, key+" to end", func() bool { return allDone(builds(t, st, key)) })
	}
	waitFor(t, time.Minute, "/healthz to be ok", func() bool {
		code, body := get(t, base+"/healthz")
		return code == 200 && strings.TrimSpace(body) == "ok"
	})
	if err := st.RecordRollback(context.Background(), good.ImageKey+".managed", "img-b", "img-a", "alice"); err != nil {
		t.Fatal(err)
	}
	// A denial made outside the daemon's pipeline (as by packuilon deny) is counted from the
	// journal: the failed build is put at the gate by hand, then denied through the store.
	ctx := context.Background()
	gated := builds(t, st, bad.ImageKey)[0].ID
	if _, err := st.Transition(ctx, gated, state.AwaitingApproval, "approval"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Deny(ctx, gated, "alice", "wrong kernel"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, time.Minute, "/metrics to count the denial", func() bool {
		return value(scrape(t, base), "packuilon_builds_total", map[string]string{"result": "denied"}) == 1
	})
	fams := scrape(t, base)
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"packuilon_builds_total", map[string]string{"result": "succeeded"}, 1},
		{"packuilon_builds_total", map[string]string{"result": "failed"}, 1},
		{"packuilon_build_duration_seconds", map[string]string{"result": "failed"}, 1},
		{"packuilon_stage_duration_seconds", map[string]string{"stage": "packer", "outcome": "error"}, 1},
		{"packuilon_stage_duration_seconds", map[string]string{"stage": "packer", "outcome": "ok"}, 1},
		{"packuilon_builds_in_progress", map[string]string{"state": "queued"}, 0},
		{"packuilon_broker_connected", nil, 1},
		{"packuilon_rollbacks_total", nil, 1},
	} {
		if got := value(fams, c.name, c.labels); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	if v := value(fams, "packuilon_last_success_timestamp_seconds", map[string]string{"image_key": good.ImageKey}); v < float64(time.Now().Add(-time.Hour).Unix()) {
		t.Errorf("last success of %s = %v", good.ImageKey, v)
	}
}

// TestHealthWithWrongPassword: a builder whose broker password is wrong says so on /healthz
// (503, with the reason) and in packuilon_broker_connected, instead of looking ready.
func TestHealthWithWrongPassword(t *testing.T) {
	rmq := testenv.SharedRabbit(t)
	g := rmq.Global(testenv.UniqueName(t))
	g.RabbitPW = "not-the-password"
	cfg := loadTree(t, g)
	base := httpEndpoint(t, cfg)
	startDaemon(t, cfg, nil)
	var body string
	waitFor(t, time.Minute, "/healthz to report the refused login", func() bool {
		var code int
		code, body = get(t, base+"/healthz")
		return code == http.StatusServiceUnavailable && strings.Contains(body, "refuses")
	})
	if strings.Contains(body, g.RabbitPW) {
		t.Errorf("/healthz shows the password: %s", body)
	}
	if v := value(scrape(t, base), "packuilon_broker_connected", nil); v != 0 {
		t.Errorf("packuilon_broker_connected = %v, want 0", v)
	}
}
