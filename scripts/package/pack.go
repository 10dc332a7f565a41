package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/goreleaser/nfpm/v2"
	_ "github.com/goreleaser/nfpm/v2/deb" // registers the deb packager
	_ "github.com/goreleaser/nfpm/v2/rpm" // registers the rpm packager
)

// configFile lists the packages' contents, scripts and metadata.
const configFile = "packaging/nfpm.yaml"

// pack writes the package of format ("deb" or "rpm") into out and returns its path.
func pack(format, version, stage, out string) (string, error) {
	vars := map[string]string{"VERSION": version, "STAGE": stage}
	cfg, err := nfpm.ParseFileWithEnvMapping(configFile, func(k string) string { return vars[k] })
	if err != nil {
		return "", fmt.Errorf("%s: %w", configFile, err)
	}
	info, err := cfg.Get(format)
	if err != nil {
		return "", err
	}
	info = nfpm.WithDefaults(info)
	if err := nfpm.Validate(info); err != nil {
		return "", fmt.Errorf("%s: %w", configFile, err)
	}
	pkgr, err := nfpm.Get(format)
	if err != nil {
		return "", err
	}
	path := filepath.Join(out, pkgr.ConventionalFileName(info))
	f, err := os.Create(path)
	if err != nil {
		return "", err
	}
	if err := pkgr.Package(info, f); err != nil {
		f.Close()
		os.Remove(path)
		return "", err
	}
	return path, f.Close()
}
