package config

import (
	"sort"
	"time"
)

// Rally is the [rally-image-testing] section (how the Rally smoke test runs) together with the
// [rally-tasks] section (which task file tests which image key).
//
// The old scripts' keys RALLY_CODE_FOLDER, TASK_UUID_EXTRACTION, UUID_FILE and
// RALLY_JSON_RESULTS are obsolete: packuilon runs rally itself, finds the task by its tag and
// keeps the report beside the build log. They are ignored.
type Rally struct {
	DeploymentUUID string
	// TaskLocation is the directory relative task files are found in.
	TaskLocation string
	// LogDir holds reports of tests run outside a build (packuilon smoke).
	LogDir string
	// Tasks maps image keys to task files; DefaultTaskKey is the fallback.
	Tasks map[string]string
	// Timeout bounds one `rally task start`.
	Timeout time.Duration
	// Flavor and Network are passed to the task as the task args "flavor" and "network".
	Flavor  string
	Network string
	// RallyPath is the rally program; RallyConfig, when set, its --config-file.
	RallyPath   string
	RallyConfig string
}

// DefaultTaskKey is the [rally-tasks] key of the task used for image keys not listed.
const DefaultTaskKey = "DEFAULT"

// TaskFor returns the task file for an image key: its own or the DEFAULT one ("" if neither).
func (r Rally) TaskFor(imageKey string) string {
	if t, ok := r.Tasks[imageKey]; ok {
		return t
	}
	return r.Tasks[DefaultTaskKey]
}

func readRally(r, tasks *reader, base string) Rally {
	c := Rally{
		DeploymentUUID: r.str("DEPLOYMENT_UUID", ""),
		TaskLocation:   abs(base, r.str("TASK_LOCATION", "")),
		LogDir:         abs(base, r.str("LOG_DIR", "")),
		Timeout:        r.duration("TASK_TIMEOUT", 30*time.Minute),
		Flavor:         r.str("FLAVOR", "m1.tiny"),
		Network:        r.str("NETWORK", ""),
		RallyPath:      r.str("RALLY_PATH", "rally"),
		RallyConfig:    abs(base, r.str("RALLY_CONFIG", "")),
		Tasks:          map[string]string{},
	}
	taskDir := c.TaskLocation
	if taskDir == "" {
		taskDir = base
	}
	if tasks.sec != nil {
		for _, k := range tasks.sec.Keys() {
			if v := tasks.raw(k.Name()); v != "" {
				c.Tasks[k.Name()] = abs(taskDir, v)
			}
		}
	}
	if _, ok := c.Tasks[DefaultTaskKey]; !ok {
		// The task the old scripts ran, rewritten for image ids: see etc/packer-utils/rally.
		c.Tasks[DefaultTaskKey] = abs(taskDir, "boot-and-delete.yaml")
	}
	return c
}

// taskFiles lists the configured task files in a stable order (for checks).
func (r Rally) taskFiles() []string {
	keys := make([]string, 0, len(r.Tasks))
	for k := range r.Tasks {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		out = append(out, r.Tasks[k])
	}
	return out
}
