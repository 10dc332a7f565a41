package config

import (
	"os"
)

// Check goes beyond Load: it looks at the files the configuration names (that they exist and are
// readable), as check-config and daemon start-up need. It returns Problems.
func Check(c *Config) error {
	ps := c.missing("global", "RABBIT_CA_FILE", c.Global.RabbitCAFile)
	// The builder's files matter only on a host that builds (it names a template); a host that
	// only watches profiles has no IMAGES_CONFIG, whatever its default says.
	if b := c.Builder; b.PackerTemplateMap != "" || b.PackerTemplate != "" {
		ps = append(ps, c.missing("rabbit2packer", "PACKER_TEMPLATE_MAP", b.PackerTemplateMap)...)
		ps = append(ps, c.missing("rabbit2packer", "PACKER_TEMPLATE", b.PackerTemplate)...)
		ps = append(ps, c.missing("rabbit2packer", "IMAGES_CONFIG", b.ImagesConfig)...)
		ps = append(ps, c.missing("rabbit2packer", "PACKER_AUTH_FILE", b.PackerAuthFile)...)
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

// missing is the problem of a file the configuration names at section/key that cannot be
// looked at (absent, or a directory on the way is not searchable); nil when path is empty.
func (c *Config) missing(section, key, path string) Problems {
	if path == "" {
		return nil
	}
	if _, err := os.Stat(path); err != nil {
		return Problems{{File: c.Path, Section: section, Key: key, Msg: err.Error()}}
	}
	return nil
}
