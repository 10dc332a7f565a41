package profilewatch

import (
	"io"
	"net/http"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/packuilon/packuilon/internal/testenv"
)

// TestDaemonMetrics runs the watcher daemon binary with HTTP_LISTEN: after its first scan,
// /metrics (parsed with the Prometheus text parser) counts the scan and the published requests,
// and /healthz is ok.
func TestDaemonMetrics(t *testing.T) {
	rmq := testenv.SharedRabbit(t)
	port, err := testenv.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	f := newFixture(t, rmq, testenv.ProfileServerOptions{}, "HTTP_LISTEN = 127.0.0.1:"+strconv.Itoa(port))
	f.baselineThenChange(2)
	cmd := exec.Command(binary(t), "watch", "--config", f.cfgPath)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Signal(syscall.SIGTERM); cmd.Wait() }()
	var got map[string]float64
	deadline := time.Now().Add(time.Minute)
	for {
		got = scrapeCounters(t, base+"/metrics")
		if got[`packuilon_scans_total{result="ok"}`] >= 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no completed scan in /metrics: %v", got)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if v := got["packuilon_profiles_published_total"]; v != 2 {
		t.Errorf("published = %v, want 2", v)
	}
	if got["packuilon_last_successful_scan_timestamp_seconds"] < float64(time.Now().Add(-time.Hour).Unix()) {
		t.Errorf("last successful scan = %v", got["packuilon_last_successful_scan_timestamp_seconds"])
	}
	resp, err := http.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("/healthz: %d %s", resp.StatusCode, body)
	}
}

// scrapeCounters returns the counters and gauges of a /metrics page by name{labels}; nothing
// while the endpoint is not up yet.
func scrapeCounters(t *testing.T, url string) map[string]float64 {
	out := map[string]float64{}
	resp, err := http.Get(url)
	if err != nil {
		return out
	}
	defer resp.Body.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("/metrics does not parse: %v", err)
	}
	for name, f := range fams {
		for _, m := range f.Metric {
			key := name
			for _, l := range m.Label {
				key += `{` + l.GetName() + `="` + l.GetValue() + `"}`
			}
			switch {
			case m.Counter != nil:
				out[key] = m.Counter.GetValue()
			case m.Gauge != nil:
				out[key] = m.Gauge.GetValue()
			}
		}
	}
	return out
}
