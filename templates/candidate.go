package templates

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// CandidatePrefix is put before the canonical name of an image packuilon will test and promote:
// packer uploads it as candidate-<name>, so the untested image never carries the name users
// boot from (promotion gives it the name once it passed). Glance's marking uses the same
// prefix for an image that came out of packer with the canonical name anyway.
const CandidatePrefix = "candidate-"

// AsCandidate returns r rendered so that packer names the image candidate-<name>; r.ImageName
// stays the canonical name. For a legacy JSON template every builder's image_name gets the
// prefix; an HCL2 template gets it in its name variable (an HCL2 template that names its image
// otherwise is found out after the build, from the image packer made).
//
// The JSON template is re-encoded, with its keys sorted: packer reads it as an object, and the
// rendered file in BUILD_FILE_DIR then shows the name packer was given.
func AsCandidate(t *Template, r Rendered) (Rendered, error) {
	dec := json.NewDecoder(bytes.NewReader(r.Data))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		return r, fmt.Errorf("candidate name for %s: %w", t.Path, err)
	}
	if t.Kind == KindHCL {
		if name, ok := doc["name"].(string); ok {
			doc["name"] = CandidatePrefix + name
		}
	} else {
		builders, _ := doc["builders"].([]any)
		for _, b := range builders {
			if obj, ok := b.(map[string]any); ok {
				if name, ok := obj["image_name"].(string); ok && name != "" {
					obj["image_name"] = CandidatePrefix + name
				}
			}
		}
	}
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false) // "<" stays "<" in a packer template
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return r, fmt.Errorf("candidate name for %s: %w", t.Path, err)
	}
	r.Data = out.Bytes()
	return r, nil
}
