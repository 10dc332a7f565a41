package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// versionVar is the variable both binaries print as their version (set with -ldflags -X).
const versionVar = "github.com/packuilon/packuilon/internal/version.stamp"

// stageFiles builds both binaries (packuilon and the one-shot scan packuilon-watch-once) into
// stage with describe stamped in, then writes the man pages (gzipped), with a packuilon built
// with -tags man that is not shipped, and the bash, zsh and fish completions.
func stageFiles(stage, describe string) error {
	bin := filepath.Join(stage, "packuilon")
	tmp, err := os.MkdirTemp("", "packuilon-man-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	manBin := filepath.Join(tmp, "packuilon")
	for _, b := range []struct{ out, pkg, tags string }{
		{bin, "./cmd/packuilon", ""},
		{filepath.Join(stage, "packuilon-watch-once"), "./cmd/packuilon-watch-once", ""},
		{manBin, "./cmd/packuilon", "man"},
	} {
		build := exec.Command("go", "build", "-trimpath", "-tags", b.tags, "-ldflags", "-s -w -X "+versionVar+"="+describe, "-o", b.out, b.pkg)
		build.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("go build -tags %q %s: %w", b.tags, b.pkg, err)
		}
	}
	man := filepath.Join(stage, "man")
	if out, err := exec.Command(manBin, "man", "--dir", man).CombinedOutput(); err != nil {
		return fmt.Errorf("packuilon man: %w: %s", err, out)
	}
	pages, err := filepath.Glob(filepath.Join(man, "*.1"))
	if err != nil || len(pages) == 0 {
		return fmt.Errorf("no man pages in %s (%v)", man, err)
	}
	for _, p := range pages {
		if err := gzipFile(p); err != nil {
			return err
		}
	}
	comp := filepath.Join(stage, "completions")
	if err := os.MkdirAll(comp, 0o755); err != nil {
		return err
	}
	for shell, name := range map[string]string{"bash": "packuilon.bash", "zsh": "_packuilon", "fish": "packuilon.fish"} {
		out, err := exec.Command(bin, "completion", shell).Output()
		if err != nil {
			return fmt.Errorf("packuilon completion %s: %w", shell, err)
		}
		if err := os.WriteFile(filepath.Join(comp, name), out, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// gzipFile replaces path with path.gz, without a time stamp (reproducible packages).
func gzipFile(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	w, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	if _, err := w.Write(data); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	if err := os.WriteFile(path+".gz", b.Bytes(), 0o644); err != nil {
		return err
	}
	return os.Remove(path)
}
