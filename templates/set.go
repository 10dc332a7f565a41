package templates

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/packuilon/packuilon/internal/event"
	"github.com/packuilon/packuilon/internal/ident"
)

// Sources are the files a Set is loaded from (the [rabbit2packer] keys).
type Sources struct {
	// Map is PACKER_TEMPLATE_MAP.
	Map string
	// Template is the old single PACKER_TEMPLATE, used as DEFAULT when there is no map.
	Template string
	// Images is IMAGES_CONFIG.
	Images string
	// Naming is IMAGE_KEY and IMAGE_NAME; the image name of a plan is made by it.
	Naming event.Naming
}

// Kind is a template's language.
type Kind string

// Template languages.
const (
	KindJSON Kind = "json"
	KindHCL  Kind = "hcl"
)

// Template is one template file, read when the Set was loaded.
type Template struct {
	Path string
	// Stem names the template in file names and image keys: the file name without .json or .pkr.hcl.
	Stem    string
	Kind    Kind
	Content []byte
	// Hash is the SHA-256 of Content, part of a build's fingerprint.
	Hash string
}

// Set is a consistent snapshot of the template map, the source images and every template's
// content. A reload loads a whole new Set and swaps it in only if that worked.
type Set struct {
	byKey     map[string][]*Template
	images    images
	templates []*Template
	naming    event.Naming
}

// validStem reports whether a template's stem may become part of file names and Glance keys:
// at most 100 bytes, a letter or digit and then letters, digits, '_', '.' and '-', no "..".
// Hand-written (not a regexp compiled at init) to keep start-up short (issue 12).
func validStem(s string) bool { return ident.PathSafe(s, 100) }

// Load reads the map, the source images and every template, and checks each legacy JSON
// template by rendering it with sample values. Any problem fails the whole load.
func Load(src Sources) (*Set, error) {
	s := &Set{byKey: map[string][]*Template{}, naming: src.Naming}
	var paths map[string][]string
	switch {
	case src.Map != "":
		m, err := readMap(src.Map)
		if err != nil {
			return nil, err
		}
		paths = m
	case src.Template != "":
		paths = map[string][]string{DefaultKey: {src.Template}}
	default:
		return nil, fmt.Errorf("neither PACKER_TEMPLATE_MAP nor PACKER_TEMPLATE is set")
	}
	im, err := readImages(src.Images)
	if err != nil {
		return nil, err
	}
	s.images = im
	loaded := map[string]*Template{}
	keys := make([]string, 0, len(paths))
	for k := range paths {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
		for _, p := range paths[key] {
			t, ok := loaded[p]
			if !ok {
				if t, err = readTemplate(p); err != nil {
					return nil, fmt.Errorf("template map entry %s: %w", key, err)
				}
				loaded[p] = t
				s.templates = append(s.templates, t)
			}
			s.byKey[key] = append(s.byKey[key], t)
		}
	}
	return s, nil
}

func readTemplate(path string) (*Template, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read template: %w", err)
	}
	base := filepath.Base(path)
	t := &Template{Path: path, Content: data, Kind: KindJSON}
	switch {
	case strings.HasSuffix(base, ".pkr.hcl"):
		t.Kind, t.Stem = KindHCL, strings.TrimSuffix(base, ".pkr.hcl")
	default:
		t.Stem = strings.TrimSuffix(base, ".json")
	}
	if !validStem(t.Stem) {
		return nil, fmt.Errorf("template %s: file name %q is not usable in build file names", path, t.Stem)
	}
	sum := sha256.Sum256(data)
	t.Hash = hex.EncodeToString(sum[:])
	if t.Kind == KindJSON {
		sample := Values{Name: "sample", Image: "sample", Metadata: map[string]string{"AQ_OS": "sample"}}
		if _, err := Validate(substitute(data, sample)); err != nil {
			return nil, fmt.Errorf("template %s: %w", path, err)
		}
	}
	return t, nil
}

// Templates returns every template the set holds, for watching their directories.
func (s *Set) Templates() []*Template { return s.templates }

// Plan is what will be built for one request.
type Plan struct {
	SourceImageID string
	Templates     []*Template
	// Fingerprint identifies the inputs: profile digest (or the spec), source image, templates.
	Fingerprint string
	// ImageName is the $NAME value, by IMAGE_NAME.
	ImageName string
}

// Plan resolves a request: its templates (the key's entry, else DEFAULT) and source image.
func (s *Set) Plan(req event.BuildRequest) (Plan, error) {
	ts, ok := s.byKey[req.ImageKey]
	if !ok {
		ts, ok = s.byKey[DefaultKey]
	}
	if !ok {
		return Plan{}, fmt.Errorf("no template for %s and no DEFAULT in the template map", req.ImageKey)
	}
	id, err := s.images.lookup(req.Spec)
	if err != nil {
		return Plan{}, err
	}
	name, err := s.naming.ImageName(req.Spec)
	if err != nil {
		return Plan{}, err
	}
	p := Plan{SourceImageID: id, Templates: ts, ImageName: name}
	h := sha256.New()
	if req.ProfileDigest != "" {
		fmt.Fprintf(h, "digest\x00%s\x00", req.ProfileDigest)
	} else {
		spec, _ := json.Marshal(req.Spec)
		fmt.Fprintf(h, "spec\x00%s\x00", spec)
	}
	fmt.Fprintf(h, "source\x00%s\x00", id)
	for _, t := range ts {
		fmt.Fprintf(h, "template\x00%s\x00%s\x00", t.Path, t.Hash)
	}
	p.Fingerprint = hex.EncodeToString(h.Sum(nil))
	return p, nil
}
