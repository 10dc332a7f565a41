// Command package builds packuilon's RPM and DEB with nfpm (as a library): it builds the binary
// with the version stamped in, generates the man pages and shell completions from the binary's
// own command definitions, and packs them with the units, sysusers.d and tmpfiles.d entries and
// the sample /etc/packer-utils tree as packaging/nfpm.yaml lists them. Run by `make package`
// from the repository's top directory:
//
//	go run ./scripts/package -describe "$(git describe --tags --always --dirty)" -out dist
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
)

func main() {
	describe := flag.String("describe", "", "git describe of the tree (default: run git describe)")
	out := flag.String("out", "dist", "directory for the packages")
	flag.Parse()
	files, err := build(*describe, *out)
	if err != nil {
		fmt.Fprintln(os.Stderr, "package:", err)
		os.Exit(1)
	}
	for _, f := range files {
		fmt.Println(f)
	}
}

// build makes the packages in out and returns their paths.
func build(describe, out string) ([]string, error) {
	if describe == "" {
		d, err := gitDescribe()
		if err != nil { // a source tree without its git history (a tarball)
			fmt.Fprintf(os.Stderr, "package: %v; version 0.0.0\n", err)
			d = "0.0.0"
		}
		describe = d
	}
	out, err := filepath.Abs(out)
	if err != nil {
		return nil, err
	}
	stage := filepath.Join(out, "stage")
	if err := os.RemoveAll(stage); err != nil {
		return nil, err
	}
	if err := stageFiles(stage, describe); err != nil {
		return nil, err
	}
	version, err := packageVersion(describe)
	if err != nil {
		return nil, err
	}
	var files []string
	for _, format := range []string{"deb", "rpm"} {
		f, err := pack(format, version, stage, out)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", format, err)
		}
		files = append(files, f)
	}
	return files, nil
}
