package event

import (
	"encoding/json"
	"fmt"
)

// SpecFromProfile extracts the image-defining fields from a decoded Aquilon JSON profile
// (or packuilon.py's skeleton profile, which has the same paths):
//
//	personality = system.personality.name
//	archetype   = system.archetype.name
//	os          = system.archetype.os, else system.os.distribution.name
//	os_version  = system.archetype.model, else system.os.version.name + "-" + system.os.architecture
//	branch      = metadata.template.branch (author only for sandboxes)
//	hostname    = system.network.hostname
//
// The result is validated; the error names the missing or bad field.
func SpecFromProfile(p map[string]any) (Spec, error) {
	var s Spec
	s.Personality = str(p, "system", "personality", "name")
	s.Archetype = str(p, "system", "archetype", "name")
	s.OS = str(p, "system", "archetype", "os")
	if s.OS == "" {
		s.OS = str(p, "system", "os", "distribution", "name")
	}
	s.OSVersion = str(p, "system", "archetype", "model")
	if s.OSVersion == "" {
		ver, arch := str(p, "system", "os", "version", "name"), str(p, "system", "os", "architecture")
		if ver != "" && arch != "" {
			s.OSVersion = ver + "-" + arch
		}
	}
	s.Branch.Type = str(p, "metadata", "template", "branch", "type")
	s.Branch.Name = str(p, "metadata", "template", "branch", "name")
	if s.Branch.Type == BranchSandbox {
		s.Branch.Author = str(p, "metadata", "template", "branch", "author")
	}
	s.Hostname = str(p, "system", "network", "hostname")
	if err := s.Validate(); err != nil {
		return Spec{}, fmt.Errorf("extract from profile: %w", err)
	}
	return s, nil
}

// str walks nested objects and returns the string (or number, printed) at path, or "".
func str(m map[string]any, path ...string) string {
	var cur any = m
	for _, k := range path {
		obj, ok := cur.(map[string]any)
		if !ok {
			return ""
		}
		cur = obj[k]
	}
	switch v := cur.(type) {
	case string:
		return v
	case float64:
		return fmt.Sprint(v)
	case json.Number: // a profile decoded with UseNumber (the watcher's)
		return v.String()
	default:
		return ""
	}
}
