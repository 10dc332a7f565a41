// Package fsutil holds the one atomic file write used by every state file.
package fsutil

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// WriteFile writes data to path atomically: a temporary file in the same directory is written,
// fsynced and renamed over path, and the directory is fsynced, so a crash leaves either the old
// or the new content, never a torn file.
func WriteFile(path string, data []byte, perm os.FileMode) error {
	p, err := PrepareFile(path, perm, writeBytes(data))
	if err != nil {
		return err
	}
	return p.Commit()
}

// Pending is a file written and fsynced under a temporary name, not yet in place: Commit puts
// it in place, Abort removes it. One of them must be called.
type Pending struct {
	path, tmp string
}

// PrepareFile is the first half of WriteFile, with the content written by write through a
// buffer (a large file is never held in memory whole): the temporary file is written and fsynced.
// The slow part of an atomic write can so run while the caller waits for what decides whether
// the new content may replace the old (the broker's confirms, for the watcher's cache).
func PrepareFile(path string, perm os.FileMode, write func(w io.Writer) error) (*Pending, error) {
	name, err := writeTemp(path, perm, write, true)
	if err != nil {
		return nil, err
	}
	return &Pending{path: path, tmp: name}, nil
}

// writeTemp writes a temporary file beside path with perm and the content write gives,
// fsynced when sync is set, and returns its name; on failure nothing is left behind.
func writeTemp(path string, perm os.FileMode, write func(w io.Writer) error, sync bool) (string, error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	name := tmp.Name()
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(name)
		}
	}()
	if err := tmp.Chmod(perm); err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	bw := bufio.NewWriterSize(tmp, 64<<10)
	if err := write(bw); err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	if err := bw.Flush(); err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	if sync {
		if err := tmp.Sync(); err != nil {
			return "", fmt.Errorf("write %s: %w", path, err)
		}
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	ok = true
	return name, nil
}

// Commit renames the prepared file over its path and fsyncs the directory.
func (p *Pending) Commit() error {
	if err := os.Rename(p.tmp, p.path); err != nil {
		os.Remove(p.tmp)
		return fmt.Errorf("write %s: %w", p.path, err)
	}
	if d, err := os.Open(filepath.Dir(p.path)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// Abort removes the prepared file, leaving the old content in place.
func (p *Pending) Abort() { os.Remove(p.tmp) }

// WriteFileUnsynced writes data to path atomically against a crash of the process (a temporary
// file renamed over path), without waiting for the disk: after a crash of the machine path may
// be missing, empty or cut short. It is for files that can be made again and that their reader
// checks (a build file is rendered again when it is not valid JSON).
func WriteFileUnsynced(path string, data []byte, perm os.FileMode) error {
	name, err := writeTemp(path, perm, writeBytes(data), false)
	if err != nil {
		return err
	}
	if err := os.Rename(name, path); err != nil {
		os.Remove(name)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// writeBytes is the write function of a content held in memory.
func writeBytes(data []byte) func(w io.Writer) error {
	return func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	}
}
