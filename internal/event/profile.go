package event

import (
	"errors"
	"fmt"

	"github.com/packuilon/packuilon/internal/canon"
)

// The paths specFrom reads, in the order of profilePaths.
const (
	pPersonality = iota
	pArchetype
	pArchetypeOS
	pDistribution
	pModel
	pVersion
	pArchitecture
	pBranchType
	pBranchName
	pBranchAuthor
	pHostname
	pSchema // not spec fields: tell a build request from a profile
	pSystem
)

var profilePaths = [][]string{
	pPersonality:  {"system", "personality", "name"},
	pArchetype:    {"system", "archetype", "name"},
	pArchetypeOS:  {"system", "archetype", "os"},
	pDistribution: {"system", "os", "distribution", "name"},
	pModel:        {"system", "archetype", "model"},
	pVersion:      {"system", "os", "version", "name"},
	pArchitecture: {"system", "os", "architecture"},
	pBranchType:   {"metadata", "template", "branch", "type"},
	pBranchName:   {"metadata", "template", "branch", "name"},
	pBranchAuthor: {"metadata", "template", "branch", "author"},
	pHostname:     {"system", "network", "hostname"},
	pSchema:       {"schema"},
	pSystem:       {"system"},
}

// ProfileOptions say how ReadProfile digests a profile.
type ProfileOptions struct {
	// IgnorePaths are left out of the digest ([cdb2rabbit] IGNORE_PATHS).
	IgnorePaths []string
	// Limits bound the profile's structure; over them, the profile is refused while it is read.
	Limits canon.Limits
}

// ErrNotProfile is wrapped when a body is not a JSON object or is over the structure limits.
var ErrNotProfile = errors.New("profile is not a JSON object within the limits")

// ReadProfile reads a whole Aquilon profile in one pass, without decoding it into memory: the
// spec (see specFrom) and the digest of the profile minus the ignored paths,
// "blake3:<hex>" of its canonical JSON. The watcher and the builder (for the whole profiles
// cdb2rabbit publishes) both take digests here, so one content has one digest.
func ReadProfile(body []byte, o ProfileOptions) (Spec, string, error) {
	s, d, _, err := readProfileDigests(body, o, false)
	return s, d, err
}

// ReadProfileWithSHA256 is ReadProfile that also returns the digest earlier versions took,
// "sha256:<hex>" of the same canonical JSON, for the watcher to compare with their cache.
func ReadProfileWithSHA256(body []byte, o ProfileOptions) (spec Spec, digest, sha256 string, err error) {
	return readProfileDigests(body, o, true)
}

func readProfileDigests(body []byte, o ProfileOptions, withSHA256 bool) (Spec, string, string, error) {
	c := compiled(o.IgnorePaths, o.Limits)
	read := c.Read
	if withSHA256 {
		read = c.ReadWithSHA256
	}
	doc, err := read(body)
	if err != nil {
		return Spec{}, "", "", fmt.Errorf("%w: %w", ErrNotProfile, err)
	}
	s, err := specFrom(func(i int) string { return scalar(doc.Values[i]) })
	return s, doc.Digest, doc.SHA256, err
}

// specFrom makes the spec of an Aquilon JSON profile (or packuilon.py's skeleton profile,
// which has the same paths) from get, the value at each of profilePaths:
//
//	personality = system.personality.name
//	archetype   = system.archetype.name
//	os          = system.archetype.os, else system.os.distribution.name
//	os_version  = system.archetype.model, else system.os.version.name + "-" + system.os.architecture
//	branch      = metadata.template.branch (author only for sandboxes)
//	hostname    = system.network.hostname
//
// A string is taken as is, a number as written. The result is validated; the error names the
// missing or bad field.
func specFrom(get func(path int) string) (Spec, error) {
	var s Spec
	s.Personality = get(pPersonality)
	s.Archetype = get(pArchetype)
	s.OS = get(pArchetypeOS)
	if s.OS == "" {
		s.OS = get(pDistribution)
	}
	s.OSVersion = get(pModel)
	if s.OSVersion == "" {
		ver, arch := get(pVersion), get(pArchitecture)
		if ver != "" && arch != "" {
			s.OSVersion = ver + "-" + arch
		}
	}
	s.Branch.Type = get(pBranchType)
	s.Branch.Name = get(pBranchName)
	if s.Branch.Type == BranchSandbox {
		s.Branch.Author = get(pBranchAuthor)
	}
	s.Hostname = get(pHostname)
	if err := s.Validate(); err != nil {
		return Spec{}, fmt.Errorf("extract from profile: %w", err)
	}
	return s, nil
}

// scalar is a captured string, or a number as written; anything else reads as "".
func scalar(v canon.Value) string {
	if v.Kind == canon.String || v.Kind == canon.Number {
		return v.Text
	}
	return ""
}
