package templates

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/packuilon/packuilon/internal/event"
)

// DefaultKey is the template map's fallback entry, as rabbit2packer used it.
const DefaultKey = "DEFAULT"

// readMap reads PACKER_TEMPLATE_MAP: {"<image key>" | "DEFAULT": ["template path", ...]}.
// A single string is accepted for one template. Relative paths are relative to the map's
// directory, so a tree copied elsewhere keeps working.
func readMap(path string) (map[string][]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read template map: %w", err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("template map %s: not a JSON object: %w", path, err)
	}
	out := make(map[string][]string, len(raw))
	for key, v := range raw {
		if key != DefaultKey && !event.ValidImageKey(key) {
			return nil, fmt.Errorf("template map %s: key %q is not a valid image key", path, key)
		}
		var list []string
		if err := json.Unmarshal(v, &list); err != nil {
			var one string
			if err2 := json.Unmarshal(v, &one); err2 != nil {
				return nil, fmt.Errorf("template map %s: %s: want a list of template paths", path, key)
			}
			list = []string{one}
		}
		if len(list) == 0 {
			return nil, fmt.Errorf("template map %s: %s: no templates", path, key)
		}
		for i, p := range list {
			if p == "" {
				return nil, fmt.Errorf("template map %s: %s: empty template path", path, key)
			}
			if !filepath.IsAbs(p) {
				list[i] = filepath.Join(filepath.Dir(path), p)
			}
		}
		out[key] = list
	}
	return out, nil
}

// images is IMAGES_CONFIG. Two forms are read, and may be mixed:
//
//	{"sl7x-x86_64": "<id>"}                    flat: key = os + os_version (the documented form)
//	{"sl": {"7x-x86_64": "<id>", "6x": "<id>"}} nested by os; the version with or without its arch
type images struct {
	flat   map[string]string
	nested map[string]map[string]string
}

func readImages(path string) (images, error) {
	im := images{flat: map[string]string{}, nested: map[string]map[string]string{}}
	data, err := os.ReadFile(path)
	if err != nil {
		return im, fmt.Errorf("read source images: %w", err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return im, fmt.Errorf("source images %s: not a JSON object: %w", path, err)
	}
	for k, v := range raw {
		var id string
		if json.Unmarshal(v, &id) == nil {
			im.flat[k] = id
			continue
		}
		var sub map[string]string
		if err := json.Unmarshal(v, &sub); err != nil {
			return im, fmt.Errorf("source images %s: %s: want an image id or an object of version → image id", path, k)
		}
		im.nested[k] = sub
	}
	return im, nil
}

// lookup finds the source image of a spec: the flat key first, then the nested form by full
// os_version, then by the version without its architecture ("7x" for "7x-x86_64") as the
// oldest files have it, when that name is unambiguous.
func (im images) lookup(s event.Spec) (string, error) {
	if id, ok := im.flat[s.SourceKey()]; ok && id != "" {
		return id, nil
	}
	if sub, ok := im.nested[s.OS]; ok {
		if id := sub[s.OSVersion]; id != "" {
			return id, nil
		}
		if ver, _, found := strings.Cut(s.OSVersion, "-"); found {
			if id := sub[ver]; id != "" && !hasPrefixedKey(sub, ver+"-") {
				return id, nil
			}
		}
	}
	return "", fmt.Errorf("no source image for %s (os %s, os_version %s) in IMAGES_CONFIG", s.SourceKey(), s.OS, s.OSVersion)
}

// hasPrefixedKey reports whether m has a key starting with p: "7x" is ambiguous when the file
// also has "7x-aarch64".
func hasPrefixedKey(m map[string]string, p string) bool {
	for k := range m {
		if strings.HasPrefix(k, p) {
			return true
		}
	}
	return false
}
