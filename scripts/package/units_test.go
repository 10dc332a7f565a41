package main

import (
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
)

// maxExposure is the highest `systemd-analyze security` exposure the units may have (0 is
// locked down, 10 is unprotected; the units before hardening scored 8.5).
const maxExposure = 4.0

var exposureRE = regexp.MustCompile(`Overall exposure level for \S+: (\d+\.\d+)`)

// exposure runs `systemd-analyze security --offline=yes` on a unit file and returns its score.
func exposure(t *testing.T, unit string) float64 {
	t.Helper()
	out, err := exec.Command("systemd-analyze", "security", "--offline=yes", unit).CombinedOutput()
	m := exposureRE.FindSubmatch(out)
	if m == nil {
		t.Fatalf("systemd-analyze security %s: %v\n%s", unit, err, out)
	}
	v, _ := strconv.ParseFloat(string(m[1]), 64)
	return v
}

// TestUnitsHardened scores the repository's service units with systemd's own analysis.
func TestUnitsHardened(t *testing.T) {
	requireTool(t, "systemd-analyze")
	units, _ := filepath.Glob("../../systemd/*.service")
	if len(units) != 3 {
		t.Fatalf("units: %v", units)
	}
	for _, u := range units {
		if e := exposure(t, u); e > maxExposure {
			t.Errorf("%s: exposure %.1f, want <= %.1f", filepath.Base(u), e, maxExposure)
		} else {
			t.Logf("%s: exposure %.1f", filepath.Base(u), e)
		}
	}
}

// requireTool skips when a program is missing, or fails when PACKUILON_REQUIRE_SERVICES is set.
func requireTool(t *testing.T, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		if requireAll() {
			t.Fatalf("%s is not installed (run make deps)", name)
		}
		t.Skipf("%s is not installed", name)
	}
}
