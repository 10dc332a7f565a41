package testenv

import (
	"encoding/json"
	"fmt"
	"strings"
)

// TemplateProfile describes a generated Aquilon JSON profile of a template host.
type TemplateProfile struct {
	Host        string // short host name
	Domain      string // DNS domain
	Personality string
	Archetype   string
	OS          string // system.archetype.os
	Model       string // system.archetype.model, e.g. "7x-x86_64"
	Branch      string // domain name, or sandbox name when Author is set
	Author      string
	// Revision changes the content (a real change in the profile) without changing the spec.
	Revision int
	// Size pads the profile to about this many bytes, as real profiles are hundreds of KB.
	Size int
}

// JSON renders the profile in the shape of the panc JSON formatter: the paths packuilon reads,
// plus hardware and software trees for bulk.
func (p TemplateProfile) JSON() []byte {
	branch := map[string]any{"name": p.Branch, "type": "domain"}
	if p.Author != "" {
		branch = map[string]any{"name": p.Branch, "type": "sandbox", "author": p.Author}
	}
	ver, arch, _ := strings.Cut(p.Model, "-")
	prof := map[string]any{
		"metadata": map[string]any{"template": map[string]any{"branch": branch}},
		"system": map[string]any{
			"archetype":   map[string]any{"name": p.Archetype, "os": p.OS, "model": p.Model},
			"personality": map[string]any{"name": p.Personality, "host_environment": "prod"},
			"os": map[string]any{
				"architecture": arch,
				"distribution": map[string]any{"name": p.OS},
				"version":      map[string]any{"name": ver},
			},
			"network": map[string]any{"hostname": p.Host, "domainname": p.Domain},
		},
		"software": map[string]any{"components": map[string]any{
			"revision": map[string]any{"serial": p.Revision},
		}},
	}
	if p.Size > 0 {
		// Filler packages like spma's package list, each entry about 100 bytes.
		pkgs := map[string]any{}
		for i := 0; i*100 < p.Size; i++ {
			pkgs[fmt.Sprintf("package-%06d", i)] = map[string]any{"arch": map[string]any{"x86_64": ""}, "version": fmt.Sprintf("1.%d.%d-1.el7", i%97, p.Revision)}
		}
		prof["software"].(map[string]any)["packages"] = pkgs
	}
	b, err := json.MarshalIndent(prof, "", " ")
	if err != nil {
		panic(err) // maps of strings and numbers always encode
	}
	return b
}

// FQDN is the profile's host name with its domain.
func (p TemplateProfile) FQDN() string { return p.Host + "." + p.Domain }
