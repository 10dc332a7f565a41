package rally

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// ErrBadReport is wrapped by ParseReport's errors: the data is not a Rally report it knows.
var ErrBadReport = errors.New("not a rally report")

// somethingWentWrong is the SLA criterion Rally adds when a workload crashed (often before any
// iteration ran); its failure says nothing about the image.
const somethingWentWrong = "something_went_wrong"

// ParseReport reads the verdict from a Rally report: the JSON of `rally task report --json`
// (format 1.2: an object with "tasks") or the older `rally task results` (a list of workloads).
//
// Only Rally's own judgement counts: pass_sla of every task and workload and the SLA results,
// plus the iteration counts. The statistics block is not read (its numbers become the string
// "n/a" when nothing ran, and its "success" percentages are derived from the same iterations).
func ParseReport(data []byte) (Verdict, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return Verdict{}, fmt.Errorf("%w: empty", ErrBadReport)
	}
	switch trimmed[0] {
	case '{':
		return parseTaskReport(trimmed)
	case '[':
		return parseResults(trimmed)
	}
	return Verdict{}, fmt.Errorf("%w: starts with %q", ErrBadReport, trimmed[0])
}

type slaResult struct {
	Criterion string `json:"criterion"`
	Success   bool   `json:"success"`
	Detail    string `json:"detail"`
}

type iteration struct {
	Error json.RawMessage `json:"error"`
}

type taskReport struct {
	Info *struct {
		FormatVersion string `json:"format_version"`
	} `json:"info"`
	Tasks []struct {
		UUID     string `json:"uuid"`
		Status   string `json:"status"`
		PassSLA  bool   `json:"pass_sla"`
		Subtasks []struct {
			Workloads []struct {
				Scenario   map[string]json.RawMessage `json:"scenario"`
				PassSLA    bool                       `json:"pass_sla"`
				SLAResults struct {
					SLA []slaResult `json:"sla"`
				} `json:"sla_results"`
				Total  int         `json:"total_iteration_count"`
				Failed int         `json:"failed_iteration_count"`
				Data   []iteration `json:"data"`
			} `json:"workloads"`
		} `json:"subtasks"`
	} `json:"tasks"`
}

func parseTaskReport(data []byte) (Verdict, error) {
	var r taskReport
	if err := json.Unmarshal(data, &r); err != nil {
		return Verdict{}, fmt.Errorf("%w: %v", ErrBadReport, err)
	}
	if r.Info == nil || !strings.HasPrefix(r.Info.FormatVersion, "1.") {
		return Verdict{}, fmt.Errorf("%w: no info.format_version 1.x", ErrBadReport)
	}
	if len(r.Tasks) == 0 {
		return Verdict{}, fmt.Errorf("%w: no tasks", ErrBadReport)
	}
	v := Verdict{Passed: true}
	uuids := make([]string, 0, len(r.Tasks))
	workloads := 0
	for _, t := range r.Tasks {
		uuids = append(uuids, t.UUID)
		v.Passed = v.Passed && t.PassSLA
		if t.Status != "finished" {
			v.Crashed, v.TaskStatus = true, t.Status
		}
		for _, st := range t.Subtasks {
			for _, w := range st.Workloads {
				workloads++
				name := scenarioName(w.Scenario)
				v.Passed = v.Passed && w.PassSLA
				v.Total += w.Total
				v.Failed += w.Failed
				v.addSLA(name, w.SLAResults.SLA, w.Total == 0)
				v.addErrors(name, w.Data)
			}
		}
	}
	v.TaskUUID = strings.Join(uuids, ",")
	v.settle(workloads)
	return v, nil
}

type legacyWorkload struct {
	Key struct {
		Name string `json:"name"`
		Pos  int    `json:"pos"`
	} `json:"key"`
	Result []iteration `json:"result"`
	SLA    []slaResult `json:"sla"`
}

// parseResults reads `rally task results`: a list of workloads, each with its iterations and
// SLA results. It has no pass_sla, so the SLA results alone decide.
func parseResults(data []byte) (Verdict, error) {
	var ws []legacyWorkload
	if err := json.Unmarshal(data, &ws); err != nil {
		return Verdict{}, fmt.Errorf("%w: %v", ErrBadReport, err)
	}
	v := Verdict{Passed: true}
	for _, w := range ws {
		if w.Key.Name == "" {
			return Verdict{}, fmt.Errorf("%w: workload without key.name", ErrBadReport)
		}
		v.Total += len(w.Result)
		before := len(v.Errors)
		v.addErrors(w.Key.Name, w.Result)
		v.Failed += len(v.Errors) - before
		v.addSLA(w.Key.Name, w.SLA, len(w.Result) == 0)
		for _, s := range w.SLA {
			v.Passed = v.Passed && s.Success
		}
	}
	v.settle(len(ws))
	return v, nil
}

// addSLA records failed criteria. A something_went_wrong failure with no iterations means the
// workload crashed before it could test anything.
func (v *Verdict) addSLA(scenario string, results []slaResult, noIterations bool) {
	for _, s := range results {
		if s.Success {
			continue
		}
		v.Passed = false
		if s.Criterion == somethingWentWrong && noIterations {
			v.Crashed = true
		}
		v.FailedSLA = append(v.FailedSLA, fmt.Sprintf("%s: %s (%s)", scenario, s.Criterion, firstLine(s.Detail)))
	}
}

// addErrors records each failed iteration's error: Rally writes [type, message, traceback].
func (v *Verdict) addErrors(scenario string, its []iteration) {
	for i, it := range its {
		var parts []string
		if len(it.Error) == 0 || json.Unmarshal(it.Error, &parts) != nil || len(parts) == 0 {
			continue
		}
		msg := parts[0]
		if len(parts) > 1 {
			msg += ": " + firstLine(parts[1])
		}
		v.Errors = append(v.Errors, fmt.Sprintf("%s #%d: %s", scenario, i+1, msg))
	}
}

// settle applies the rule that needs the whole report: when nothing ran, nothing was judged.
// Failed iterations alone do not fail the image: the task's SLA (e.g. failure_rate) says how
// many a site tolerates, and Rally's pass_sla already applies it.
func (v *Verdict) settle(workloads int) {
	if workloads == 0 || v.Total == 0 {
		v.Crashed = true
	}
	if v.Crashed {
		v.Passed = false
	}
}

func scenarioName(m map[string]json.RawMessage) string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	if len(names) == 0 {
		return "unknown scenario"
	}
	return strings.Join(names, "+")
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}
