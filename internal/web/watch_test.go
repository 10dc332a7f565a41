package web

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/testenv"
)

// TestWatcherEndpoint: the watcher's /healthz follows its last scan and /metrics counts scans
// and published requests (parsed with the Prometheus text parser).
func TestWatcherEndpoint(t *testing.T) {
	port, err := testenv.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	w := StartWatcher(config.HTTP{Listen: "127.0.0.1:" + strconv.Itoa(port)}, hclog.NewNullLogger())
	defer w.Close()
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	health := func() (int, string) {
		resp, err := http.Get(base + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	w.Scanned(3, 2*time.Second, nil)
	if code, body := health(); code != 200 {
		t.Errorf("after a good scan: %d %s", code, body)
	}
	w.Scanned(0, time.Second, errors.New("index: 503 Service Unavailable"))
	if code, body := health(); code != 503 || !strings.Contains(body, "503 Service Unavailable") {
		t.Errorf("after a failed scan: %d %s", code, body)
	}
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, m := range fams["packuilon_scans_total"].GetMetric() {
		got[m.GetLabel()[0].GetValue()] = m.GetCounter().GetValue()
	}
	if got["ok"] != 1 || got["failed"] != 1 {
		t.Errorf("scans = %v", got)
	}
	if v := fams["packuilon_profiles_published_total"].GetMetric()[0].GetCounter().GetValue(); v != 3 {
		t.Errorf("published = %v", v)
	}
	if n := fams["packuilon_scan_duration_seconds"].GetMetric()[0].GetHistogram().GetSampleCount(); n != 2 {
		t.Errorf("scan duration samples = %d", n)
	}
}
