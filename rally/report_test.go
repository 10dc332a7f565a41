package rally

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseReportSamples(t *testing.T) {
	tests := []struct {
		file          string
		passed        bool
		total, failed int
		reason        []string
	}{
		{"rally-task-report-pass.json", true, 2, 0, []string{"passed: 2/2"}},
		{"rally-report-real-glance-pass.json", true, 6, 0, []string{"passed: 6/6"}},
		{"rally-task-report-fail.json", false, 2, 1, []string{
			"1 of 2 iterations failed",
			"VMTasks.boot_runcommand_delete: failure_rate (Failure rate criteria 0.00% <= 50.00% <= 0.00% - Failed)",
			"VMTasks.boot_runcommand_delete #2: ScriptError: Error running command",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			v, err := ParseReport(data)
			if err != nil {
				t.Fatal(err)
			}
			if v.Passed != tc.passed || v.Crashed || v.Total != tc.total || v.Failed != tc.failed {
				t.Fatalf("verdict %+v", v)
			}
			for _, want := range tc.reason {
				if !strings.Contains(v.Reason(), want) {
					t.Errorf("reason %q lacks %q", v.Reason(), want)
				}
			}
			if strings.Contains(v.Reason(), "\n") || v.TaskUUID == "" {
				t.Errorf("reason not one line or no task uuid: %+v", v)
			}
		})
	}
}

// A workload that crashed before iterating: statistics are "n/a", min_duration null, and the
// failure is only in sla_results as something_went_wrong.
const crashedReport = `{"info": {"format_version": "1.2"}, "tasks": [{"uuid": "t1", "status": "crashed", "pass_sla": false,
 "subtasks": [{"workloads": [{"scenario": {"NovaServers.boot_and_delete_server": {}}, "pass_sla": false,
  "sla_results": {"sla": [{"criterion": "something_went_wrong", "success": false, "detail": "Unexpected error: No suitable endpoint\nTraceback..."}]},
  "total_iteration_count": 0, "failed_iteration_count": 0, "min_duration": null, "data": [],
  "statistics": {"durations": {"total": {"data": {"iteration_count": 0, "min": "n/a", "max": "n/a", "success": "n/a"}}}}}]}]}]}`

// A task whose SLA passed for one workload and failed for another: every workload counts (the
// old script looked only at the last one).
const mixedReport = `{"info": {"format_version": "1.2"}, "tasks": [{"uuid": "t2", "status": "finished", "pass_sla": false,
 "subtasks": [{"workloads": [
  {"scenario": {"A.one": {}}, "pass_sla": false, "sla_results": {"sla": [{"criterion": "max_seconds_per_iteration", "success": false, "detail": "Maximum seconds per iteration 70s <= 60s - Failed"}]},
   "total_iteration_count": 1, "failed_iteration_count": 0, "data": [{"error": []}]},
  {"scenario": {"B.two": {}}, "pass_sla": true, "sla_results": {"sla": [{"criterion": "failure_rate", "success": true, "detail": "ok"}]},
   "total_iteration_count": 1, "failed_iteration_count": 0, "data": [{"error": []}]}]}]}]}`

// The old `rally task results` list format.
const legacyFail = `[{"key": {"name": "NovaServers.boot_and_delete_server", "pos": 0, "kw": {}},
  "result": [{"duration": 3.1, "error": []}, {"duration": 1.0, "error": ["TimeoutException", "Rally tired waiting for Server", "tb"]}],
  "sla": [{"criterion": "failure_rate", "success": false, "detail": "Failure rate criteria 0.00% <= 50.00% <= 0.00% - Failed"}]}]`

const legacyPass = `[{"key": {"name": "NovaServers.boot_and_delete_server", "pos": 0},
  "result": [{"error": []}, {"error": []}], "sla": [{"criterion": "failure_rate", "success": true, "detail": "ok"}]}]`

func TestParseReportCases(t *testing.T) {
	tests := []struct {
		name           string
		data           string
		passed, crashd bool
		total, failed  int
		reason         string
	}{
		{"crashed before iterating", crashedReport, false, true, 0, 0, "crashed (task crashed): 0 iterations ran; SLA failed: NovaServers.boot_and_delete_server: something_went_wrong (Unexpected error: No suitable endpoint)"},
		{"every workload counts", mixedReport, false, false, 2, 0, "A.one: max_seconds_per_iteration"},
		{"legacy results fail", legacyFail, false, false, 2, 1, "#2: TimeoutException: Rally tired waiting for Server"},
		{"legacy results pass", legacyPass, true, false, 2, 0, "passed: 2/2"},
		{"empty legacy list", `[]`, false, true, 0, 0, "crashed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, err := ParseReport([]byte(tc.data))
			if err != nil {
				t.Fatal(err)
			}
			if v.Passed != tc.passed || v.Crashed != tc.crashd || v.Total != tc.total || v.Failed != tc.failed {
				t.Fatalf("verdict %+v", v)
			}
			if !strings.Contains(v.Reason(), tc.reason) {
				t.Errorf("reason %q lacks %q", v.Reason(), tc.reason)
			}
		})
	}
}

func TestParseReportRejectsGarbage(t *testing.T) {
	for _, data := range []string{"", "  ", "null", "<html>", `{"tasks": []}`, `{"info": {"format_version": "1.2"}, "tasks": []}`,
		`{"info": {"format_version": "2.0"}, "tasks": [{}]}`, `[{"key": {}}]`, `{"info": 1}`} {
		if _, err := ParseReport([]byte(data)); !errors.Is(err, ErrBadReport) {
			t.Errorf("ParseReport(%q) = %v, want ErrBadReport", data, err)
		}
	}
}

// failSeed is rally-task-report-fail.json cut to what ParseReport reads.
const failSeed = `{"info": {"format_version": "1.2"}, "tasks": [{"uuid": "9e3b", "status": "finished", "pass_sla": false,
 "subtasks": [{"workloads": [{"scenario": {"VMTasks.boot_runcommand_delete": {}}, "pass_sla": false,
  "sla_results": {"sla": [{"criterion": "failure_rate", "success": false, "detail": "Failure rate 50.00% - Failed"}]},
  "total_iteration_count": 2, "failed_iteration_count": 1,
  "data": [{"error": []}, {"error": ["ScriptError", "Error 1: package ncm-ncd is not installed", "Traceback"]}]}]}]}]}`

func FuzzParseReport(f *testing.F) {
	// Small seeds only: whole reports (tens of KB) stall the mutator. These have the shape of
	// the samples in testdata, cut to the fields ParseReport reads.
	for _, s := range []string{failSeed, crashedReport, mixedReport, legacyFail, legacyPass, "[]", "{}"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := ParseReport(data)
		if err != nil {
			if !errors.Is(err, ErrBadReport) {
				t.Fatalf("error does not wrap ErrBadReport: %v", err)
			}
			return
		}
		if v.Passed && (v.Crashed || v.Total == 0 || len(v.FailedSLA) > 0) {
			t.Fatalf("inconsistent verdict %+v", v)
		}
		if r := v.Reason(); strings.ContainsAny(r, "\n\r") {
			t.Fatalf("reason has a newline: %q", r)
		}
	})
}
