package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/packuilon/packuilon/internal/event"
	"github.com/packuilon/packuilon/internal/testenv"
)

// TestManualRequestsFollowImageKey pins that publish, render and build made by hand name the
// image key as the watcher and the builder do, by [rabbit2packer] IMAGE_KEY (here the last
// rabbit2packer release's {hostname}), through a real broker; --image-key still wins.
func TestManualRequestsFollowImageKey(t *testing.T) {
	rabbit := testenv.SharedRabbit(t)
	dir := t.TempDir()
	cfg, err := testenv.WriteSite(dir, testenv.SiteOptions{
		Rabbit: rabbit, Queue: testenv.UniqueName(t), Profiles: testenv.NewProfileServer(t, testenv.ProfileServerOptions{}), Template: `{"builders": [{"type": "null", "communicator": "none"}]}`,
		SourceImages: map[string]string{"sl7x-x86_64": "0b1e9e42-3e58-4b4b-8a8e-000000000001"},
		Extra:        "\n[rabbit2packer]\nIMAGE_KEY = {hostname}\n",
	})
	if err != nil {
		t.Fatal(err)
	}
	flags := []string{"--config", cfg, "--personality", "nubesvms", "--os", "sl", "--os-version", "7x", "--arch", "x86_64", "--hostname", "sl7-template.example.org"}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"IMAGE_KEY format", nil, "sl7-template.example.org"},
		{"--image-key wins", []string{"--image-key", "by-hand"}, "by-hand"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runLine(t, append(append([]string{"publish"}, flags...), tc.args...)...)
			if code != 0 {
				t.Fatalf("publish: exit %d: %s%s", code, out, errOut)
			}
			var req event.BuildRequest
			if err := json.Unmarshal([]byte(out[strings.Index(out, "{"):]), &req); err != nil {
				t.Fatalf("publish printed %q: %v", out, err)
			}
			if req.ImageKey != tc.want {
				t.Fatalf("published image key %q, want %q", req.ImageKey, tc.want)
			}
		})
	}
	// A key format that cannot be made from the flags is a usage error, before the broker.
	code, _, errOut := runLine(t, "publish", "--config", cfg, "--personality", "nubesvms", "--os", "sl", "--os-version", "7x")
	if code != 2 || errOut == "" {
		t.Fatalf("publish without the hostname the key format needs: exit %d: %s", code, errOut)
	}
	// A whole profile given to render gets its key by the same format.
	profile, err := os.ReadFile(filepath.Join("..", "..", "e2e", "testdata", "profile-domain-sl7.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		System struct {
			Network struct {
				Hostname string `json:"hostname"`
			} `json:"network"`
		} `json:"system"`
	}
	if err := json.Unmarshal(profile, &doc); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "profile.json")
	if err := os.WriteFile(file, profile, 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runLine(t, "render", file, "--config", cfg)
	if want := "# image key:    " + doc.System.Network.Hostname + "\n"; code != 0 || !strings.Contains(out, want) {
		t.Fatalf("render of a whole profile: exit %d, want %q in:\n%s%s", code, want, out, errOut)
	}
}
