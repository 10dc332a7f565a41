package config

import (
	"os"
)

// Check goes beyond Load: it looks at the files the configuration names (that they exist and are
// readable), as check-config and daemon start-up need. It returns Problems.
func Check(c *Config) error {
	var ps Problems
	file := func(section, key, path string, required bool) {
		if path == "" {
			if required {
				ps = append(ps, Problem{File: c.Path, Section: section, Key: key, Msg: "is required"})
			}
			return
		}
		if _, err := os.Stat(path); err != nil {
			ps = append(ps, Problem{File: c.Path, Section: section, Key: key, Msg: err.Error()})
		}
	}
	file("global", "RABBIT_CA_FILE", c.Global.RabbitCAFile, false)
	// The builder's files matter only on a host that builds (it names a template); a host that
	// only watches profiles has no IMAGES_CONFIG, whatever its default says.
	if b := c.Builder; b.PackerTemplateMap != "" || b.PackerTemplate != "" {
		file("rabbit2packer", "PACKER_TEMPLATE_MAP", b.PackerTemplateMap, false)
		file("rabbit2packer", "PACKER_TEMPLATE", b.PackerTemplate, false)
		file("rabbit2packer", "IMAGES_CONFIG", b.ImagesConfig, false)
		file("rabbit2packer", "PACKER_AUTH_FILE", b.PackerAuthFile, false)
	}
	for _, chk := range extraChecks {
		ps = append(ps, chk(c)...)
	}
	if len(ps) > 0 {
		return ps
	}
	return nil
}

// extraChecks lets each section's file add deeper checks (maps parse, templates exist, ...).
var extraChecks []func(*Config) Problems
