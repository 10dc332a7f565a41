package logging

import (
	"testing"

	"github.com/hashicorp/go-hclog"
)

func TestNewLevels(t *testing.T) {
	tests := []struct {
		level string
		want  hclog.Level
	}{
		{"debug", hclog.Debug},
		{"warn", hclog.Warn},
		{"", hclog.Info},
		{"nonsense", hclog.Info},
	}
	for _, tc := range tests {
		t.Run(tc.level, func(t *testing.T) {
			log, err := New(Options{Level: tc.level})
			if err != nil {
				t.Fatal(err)
			}
			if got := log.GetLevel(); got != tc.want {
				t.Errorf("level %v, want %v", got, tc.want)
			}
			if log.Name() != "packuilon" {
				t.Errorf("name %q, want packuilon", log.Name())
			}
		})
	}
}
