package profilewatch

import (
	"testing"

	"github.com/packuilon/packuilon/internal/testenv"
)

// TestScanImageKeyFormat: the watcher makes image keys by [rabbit2packer] IMAGE_KEY of its
// config file; {hostname} reproduces the last release of rabbit2packer.
func TestScanImageKeyFormat(t *testing.T) {
	rmq := testenv.SharedRabbit(t)
	f := newFixture(t, rmq, testenv.ProfileServerOptions{}, "[rabbit2packer]", "IMAGE_KEY = {hostname}")
	f.mustScan(ScanOptions{})
	f.put(tmpl(3, 1))
	f.mustScan(ScanOptions{})
	got := f.drain()
	if len(got) != 1 || got[0].ImageKey != tmpl(3, 1).Host || got[0].Personality != "pers3" {
		t.Fatalf("published %+v, want the image key %s (system.network.hostname)", got, tmpl(3, 1).Host)
	}
}
