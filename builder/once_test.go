package builder

import (
	"encoding/json"
	"os/exec"
	"testing"

	"github.com/packuilon/packuilon/internal/state"
)

// TestBuildCommandOneShot runs packuilon build without a broker: a build, the same request
// again (skipped: same fingerprint), and forced (built again); each recorded in the store.
func TestBuildCommandOneShot(t *testing.T) {
	needPacker(t)
	cfgPath := copyTree(t)
	bin := buildBinary(t)
	cases := []struct {
		name  string
		args  []string
		state state.State
	}{
		{"first build", []string{"--personality", "oneshot"}, state.Succeeded},
		{"same inputs", []string{"--personality", "oneshot"}, state.Skipped},
		{"forced", []string{"--personality", "oneshot", "--force"}, state.Succeeded},
		{"profile file", []string{"testdata/profile-domain-sl7.json"}, state.Succeeded},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			args := append([]string{"build", "--config", cfgPath, "--json"}, c.args...)
			out, err := exec.Command(bin, args...).Output()
			if err != nil {
				t.Fatalf("packuilon build: %v\n%s", err, out)
			}
			var rec state.Record
			if err := json.Unmarshal(out, &rec); err != nil {
				t.Fatalf("output is not a build record: %v\n%s", err, out)
			}
			if rec.State != c.state {
				t.Errorf("state = %s (%s), want %s", rec.State, rec.Message, c.state)
			}
		})
	}
}
