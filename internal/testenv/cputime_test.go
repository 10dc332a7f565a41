package testenv

import "testing"

// A running broker (beam and its helpers, in a group of their own) has used processor time.
func TestRabbitCPU(t *testing.T) {
	r := SharedRabbit(t)
	if d := r.CPU(); d <= 0 {
		t.Fatalf("broker CPU = %v, want the time its start-up took", d)
	}
}
