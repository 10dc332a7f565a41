package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/pflag"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/event"
)

// specFlags are packuilon.py's flags that define an image, with its defaults; publish and
// build both take them.
type specFlags struct {
	personality, archetype, os, osVersion, arch, domain, sandbox, hostname *string
}

func addSpecFlags(fs *pflag.FlagSet) *specFlags {
	return &specFlags{
		personality: fs.String("personality", "", "personality of the image"),
		archetype:   fs.String("archetype", "ral-tier1", "archetype"),
		os:          fs.String("os", "sl", `OS, e.g. "sl"`),
		osVersion:   fs.String("os-version", "7x", `OS version, e.g. "7x" (or a full model "7x-x86_64")`),
		arch:        fs.String("arch", "x86_64", "architecture"),
		domain:      fs.String("domain", "", `domain (default "prod" when --sandbox is not given)`),
		sandbox:     fs.String("sandbox", "", "sandbox as author/name (instead of --domain)"),
		hostname:    fs.String("hostname", "", "template host name, recorded in the request"),
	}
}

// given reports whether the spec comes from the flags (--personality was set).
func (f *specFlags) given() bool { return *f.personality != "" }

// spec builds and validates the spec from the flags, as packuilon.py built its skeleton profile.
func (f *specFlags) spec() (event.Spec, error) {
	if *f.personality == "" {
		return event.Spec{}, errors.New("--personality is required")
	}
	s := event.Spec{Personality: *f.personality, Archetype: *f.archetype, OS: *f.os, OSVersion: *f.osVersion, Hostname: *f.hostname}
	if arch := *f.arch; arch != "" && !strings.HasSuffix(s.OSVersion, "-"+arch) {
		s.OSVersion += "-" + arch
	}
	switch domain, sandbox := *f.domain, *f.sandbox; {
	case sandbox != "" && domain != "":
		return event.Spec{}, errors.New("--domain and --sandbox exclude each other")
	case sandbox != "":
		author, name, ok := strings.Cut(sandbox, "/")
		if !ok || author == "" || name == "" || strings.Contains(name, "/") {
			return event.Spec{}, fmt.Errorf("--sandbox %q is not author/name", sandbox)
		}
		s.Branch = event.Branch{Type: event.BranchSandbox, Name: name, Author: author}
	default:
		if domain == "" {
			domain = "prod"
		}
		s.Branch = event.Branch{Type: event.BranchDomain, Name: domain}
	}
	if err := s.Validate(); err != nil {
		return event.Spec{}, err
	}
	return s, nil
}

// request is the manual build request of the flags: its image key is imageKey when given, else
// the one the configuration's IMAGE_KEY format makes, as the watcher and the builder make it.
func (f *specFlags) request(cfg *config.Config, imageKey string) (event.BuildRequest, error) {
	spec, err := f.spec()
	if err != nil {
		return event.BuildRequest{}, err
	}
	req := event.NewRequest(spec, event.ReasonManual)
	if imageKey != "" {
		req.ImageKey = imageKey
	} else if err := cfg.Builder.Naming.Apply(&req); err != nil {
		return event.BuildRequest{}, err
	}
	if err := req.Validate(); err != nil {
		return event.BuildRequest{}, err
	}
	return req, nil
}
