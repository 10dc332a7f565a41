package config

import (
	"os"

	"github.com/packuilon/packuilon/internal/openrc"
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
		ps = append(ps, c.authFile("rabbit2packer", "PACKER_AUTH_FILE", b.PackerAuthFile)...)
	}
	for _, chk := range extraChecks {
		ps = append(ps, chk(c)...)
	}
	if ps = c.inherited.locate(c.written.problems(ps)); len(ps) > 0 {
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

// authFile is missing for an openrc file, plus what the daemons would say when they read it: a
// line that needs the shell (Horizon's password prompt) is found now, not at the first build.
func (c *Config) authFile(section, key, path string) Problems {
	if ps := c.missing(section, key, path); ps != nil || path == "" {
		return ps
	}
	data, err := os.ReadFile(path)
	if err == nil {
		_, err = openrc.Parse(data, nil)
	}
	if err != nil {
		return Problems{{File: c.Path, Section: section, Key: key, Msg: path + ": " + err.Error()}}
	}
	return nil
}
