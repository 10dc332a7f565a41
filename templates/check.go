package templates

import (
	"fmt"
	"sort"
)

// CheckAll reads what Load reads and returns every problem instead of the first: the map, the
// source images, and each template of each map entry (a template named by several entries is
// reported once, under the first). check-config uses it so one run lists everything to fix.
func CheckAll(src Sources) []error {
	var errs []error
	var paths map[string][]string
	switch {
	case src.Map != "":
		m, err := readMap(src.Map)
		if err != nil {
			errs = append(errs, err)
		}
		paths = m
	case src.Template != "":
		paths = map[string][]string{DefaultKey: {src.Template}}
	default:
		return []error{fmt.Errorf("neither PACKER_TEMPLATE_MAP nor PACKER_TEMPLATE is set")}
	}
	if _, err := readImages(src.Images); err != nil {
		errs = append(errs, err)
	}
	keys := make([]string, 0, len(paths))
	for k := range paths {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	seen := map[string]bool{}
	for _, key := range keys {
		for _, p := range paths[key] {
			if seen[p] {
				continue
			}
			seen[p] = true
			if _, err := readTemplate(p); err != nil {
				errs = append(errs, fmt.Errorf("template map entry %s: %w", key, err))
			}
		}
	}
	return errs
}

// SourceImageIDs reads IMAGES_CONFIG and returns every source image id under a name for
// messages: the flat key ("sl7x-x86_64"), or os and version ("sl 7x-x86_64") of the nested form.
func SourceImageIDs(path string) (map[string]string, error) {
	im, err := readImages(path)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for k, id := range im.flat {
		out[k] = id
	}
	for os, sub := range im.nested {
		for v, id := range sub {
			out[os+" "+v] = id
		}
	}
	return out, nil
}
