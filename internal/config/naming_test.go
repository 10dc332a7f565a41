package config

import (
	"strings"
	"testing"
)

func TestImageNaming(t *testing.T) {
	cfg, err := Load(write(t, "[rabbit2packer]\nIMAGE_KEY = {hostname}\nIMAGE_NAME = {hostname}\n"))
	if err != nil || cfg.Builder.Naming.Key != "{hostname}" || cfg.Builder.Naming.Name != "{hostname}" {
		t.Fatalf("naming %+v, %v", cfg.Builder.Naming, err)
	}
	if cfg, err := Load(write(t, "[rabbit2packer]\nLOG_DIR = log\n")); err != nil || cfg.Builder.Naming.Key != "" {
		t.Fatalf("default naming %+v, %v", cfg.Builder.Naming, err)
	}
	_, err = Load(write(t, "[rabbit2packer]\nIMAGE_KEY = {host}-{os}\n"))
	if err == nil || !strings.Contains(err.Error(), "[rabbit2packer] IMAGE_KEY") || !strings.Contains(err.Error(), "{host}") {
		t.Fatalf("unknown placeholder: %v", err)
	}
}
