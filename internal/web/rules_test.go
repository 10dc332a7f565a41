package web

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/packuilon/packuilon/internal/testenv"
)

// etc is the repository's etc/ directory.
const etc = "../../etc"

// TestAlertRules validates the shipped alert rules with promtool and runs their unit tests
// (the alerts fire on packuilon's series).
func TestAlertRules(t *testing.T) {
	if _, err := exec.LookPath("promtool"); err != nil {
		if os.Getenv(testenv.RequireEnv) != "" {
			t.Fatal("promtool is not installed (Debian prometheus; run make deps)")
		}
		t.Skip("promtool is not installed")
	}
	dir := filepath.Join(etc, "prometheus")
	for _, args := range [][]string{{"check", "rules", "packuilon-rules.yml"}, {"test", "rules", "packuilon-rules.test.yml"}} {
		cmd := exec.Command("promtool", args...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("promtool %v: %v\n%s", args, err, out)
		}
	}
}

// metricRef finds the packuilon metric names in an expression.
var metricRef = regexp.MustCompile(`packuilon_[a-z_]+`)

// TestShippedQueriesNameRealMetrics: every packuilon_* name in the dashboard and the rules is
// a metric the daemons export (histograms by their _bucket series).
func TestShippedQueriesNameRealMetrics(t *testing.T) {
	known := map[string]bool{}
	m, w := NewMetrics(nil, nil), NewWatchMetrics()
	for _, reg := range [][]string{names(m.own), names(w.own)} {
		for _, n := range reg {
			known[n], known[n+"_bucket"], known[n+"_count"], known[n+"_sum"] = true, true, true, true
		}
	}
	for _, f := range []string{"grafana/packuilon-dashboard.json", "prometheus/packuilon-rules.yml"} {
		data, err := os.ReadFile(filepath.Join(etc, f))
		if err != nil {
			t.Fatal(err)
		}
		if filepath.Ext(f) == ".json" && !json.Valid(data) {
			t.Errorf("%s is not JSON", f)
		}
		for _, ref := range metricRef.FindAllString(string(data), -1) {
			if !known[ref] {
				t.Errorf("%s names %s, which no daemon exports", f, ref)
			}
		}
	}
}
