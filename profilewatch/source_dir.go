package profilewatch

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// DirSource reads the index and profiles from a local directory (file:// URLs), e.g. on the
// Aquilon broker itself.
type DirSource struct {
	IndexPath string
	Dir       string
	MaxSize   int64
}

// Index reads the index file, or the ".gz" next to it.
func (s *DirSource) Index(_ context.Context) (Index, []BadEntry, error) {
	p := s.IndexPath
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) && filepath.Ext(p) == ".xml" {
		p += ".gz"
		f, err = os.Open(p)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("fetch index: %w", err)
	}
	defer f.Close()
	body, done, err := openBody(f, p, maxIndexSize)
	if err != nil {
		return nil, nil, fmt.Errorf("read index %s: %w", p, err)
	}
	defer done()
	idx, bad, err := ParseIndex(body)
	if err != nil {
		return nil, nil, fmt.Errorf("index %s: %w", p, err)
	}
	return idx, bad, nil
}

// Fetch reads one profile. The name is opened inside Dir through os.Root, so even a name that
// got past the index checks cannot leave the directory.
func (s *DirSource) Fetch(_ context.Context, name string) ([]byte, error) {
	root, err := os.OpenRoot(s.Dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	f, err := root.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readBody(f, name, s.MaxSize)
}

// URL is the file:// URL of the profile.
func (s *DirSource) URL(name string) string {
	return "file://" + filepath.Join(s.Dir, filepath.FromSlash(name))
}
