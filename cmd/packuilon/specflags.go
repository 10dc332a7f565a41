package main

import (
	"flag"

	"github.com/packuilon/packuilon/internal/event"
)

// specFlags are packuilon.py's flags that define an image, with its defaults; publish and
// build both take them.
type specFlags struct {
	personality, archetype, os, osVersion, arch, domain, sandbox, hostname *string
}

func addSpecFlags(fs *flag.FlagSet) *specFlags {
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

// spec builds and validates the spec from the flags.
func (f *specFlags) spec() (event.Spec, error) {
	return publishSpec(*f.personality, *f.archetype, *f.os, *f.osVersion, *f.arch, *f.domain, *f.sandbox, *f.hostname)
}
