package templates

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// ErrInvalidTemplate is wrapped by every validation error of a rendered template.
var ErrInvalidTemplate = errors.New("invalid packer template")

// rootKeys are the root keys Packer 1.6's JSON template parser accepts (keys starting with
// "_" are comments).
var rootKeys = map[string]bool{
	"min_packer_version": true, "description": true, "variables": true, "sensitive-variables": true,
	"builders": true, "provisioners": true, "post-processors": true,
}

// Validate checks a rendered legacy JSON template with the rules of Packer's own template
// parser: a JSON object with known root keys, at least one builder, every builder,
// provisioner and post-processor an object with a string "type", builder names unique, and
// only/except naming existing builders. It returns the first builder's image_name ("" when it
// has none, e.g. the null builder).
//
// This is an own check rather than packer-plugin-sdk's template.Parse: that package pulls the
// AWS SDK, Vault and Consul clients into the binary for its interpolation functions.
func Validate(doc []byte) (string, error) {
	fail := func(format string, args ...any) (string, error) {
		return "", fmt.Errorf("%w: %s", ErrInvalidTemplate, fmt.Sprintf(format, args...))
	}
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var root map[string]any
	if err := dec.Decode(&root); err != nil {
		return fail("not a JSON object: %v", err)
	}
	if dec.More() {
		return fail("data after the template object")
	}
	for k := range root {
		if !rootKeys[k] && !strings.HasPrefix(k, "_") {
			return fail("unknown root key %q", k)
		}
	}
	if v, ok := root["variables"]; ok {
		vars, ok := v.(map[string]any)
		if !ok {
			return fail("variables: want an object")
		}
		for name, val := range vars {
			switch val.(type) {
			case nil, string, bool, json.Number:
			default:
				return fail("variables: %s: want a string", name)
			}
		}
	}
	if v, ok := root["sensitive-variables"]; ok {
		if _, err := stringList(v); err != nil {
			return fail("sensitive-variables: %v", err)
		}
	}
	builders, ok := root["builders"].([]any)
	if !ok || len(builders) == 0 {
		return fail("builders: want a non-empty list")
	}
	names := map[string]bool{}
	var imageName string
	for i, b := range builders {
		obj, typ, err := typed(b)
		if err != nil {
			return fail("builders[%d]: %v", i, err)
		}
		name := typ
		if n, ok := obj["name"].(string); ok && n != "" {
			name = n
		}
		if names[name] {
			return fail("builders[%d]: duplicate builder name %q", i, name)
		}
		names[name] = true
		if i == 0 {
			imageName, _ = obj["image_name"].(string)
		}
	}
	if v, ok := root["provisioners"]; ok {
		list, ok := v.([]any)
		if !ok {
			return fail("provisioners: want a list")
		}
		for i, p := range list {
			obj, _, err := typed(p)
			if err != nil {
				return fail("provisioners[%d]: %v", i, err)
			}
			if err := onlyExcept(obj, names); err != nil {
				return fail("provisioners[%d]: %v", i, err)
			}
		}
	}
	if v, ok := root["post-processors"]; ok {
		if err := postProcessors(v, names); err != nil {
			return fail("post-processors%v", err)
		}
	}
	return imageName, nil
}

// postProcessors checks the three forms Packer accepts: "type", {"type": ...}, or a chain
// (a list of those).
func postProcessors(v any, names map[string]bool) error {
	list, ok := v.([]any)
	if !ok {
		return errors.New(": want a list")
	}
	one := func(p any) error {
		if _, ok := p.(string); ok {
			return nil
		}
		obj, _, err := typed(p)
		if err != nil {
			return err
		}
		return onlyExcept(obj, names)
	}
	for i, p := range list {
		if chain, ok := p.([]any); ok {
			for j, q := range chain {
				if err := one(q); err != nil {
					return fmt.Errorf("[%d][%d]: %w", i, j, err)
				}
			}
			continue
		}
		if err := one(p); err != nil {
			return fmt.Errorf("[%d]: %w", i, err)
		}
	}
	return nil
}

func typed(v any) (map[string]any, string, error) {
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, "", errors.New("want an object")
	}
	typ, ok := obj["type"].(string)
	if !ok || typ == "" {
		return nil, "", errors.New("missing \"type\"")
	}
	return obj, typ, nil
}

func onlyExcept(obj map[string]any, builders map[string]bool) error {
	for _, k := range []string{"only", "except"} {
		v, ok := obj[k]
		if !ok {
			continue
		}
		list, err := stringList(v)
		if err != nil {
			return fmt.Errorf("%s: %w", k, err)
		}
		for _, n := range list {
			if !builders[n] {
				return fmt.Errorf("%s: unknown builder %q", k, n)
			}
		}
	}
	return nil
}

func stringList(v any) ([]string, error) {
	list, ok := v.([]any)
	if !ok {
		return nil, errors.New("want a list of strings")
	}
	out := make([]string, len(list))
	for i, e := range list {
		s, ok := e.(string)
		if !ok {
			return nil, errors.New("want a list of strings")
		}
		out[i] = s
	}
	return out, nil
}
