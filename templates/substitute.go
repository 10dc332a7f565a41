package templates

import (
	"bytes"
	"encoding/json"
	"sort"
)

// Values are what the legacy placeholders stand for.
type Values struct {
	// Name is $NAME: "<os><os_version> <personality>".
	Name string
	// Image is $IMAGE: the source image id.
	Image string
	// Metadata is $METADATA: the AQ_* properties.
	Metadata map[string]string
}

// Placeholders of legacy JSON templates, in the order they are tried at a '$'.
const (
	phMetadata = "$METADATA"
	phName     = "$NAME"
	phImage    = "$IMAGE"
)

// substitute replaces the placeholders in a legacy JSON template with JSON-encoded values.
// It tracks whether it is inside a string literal, because the old templates use both forms:
// "image_name": "$NAME AQ" (inside: insert the escaped text without quotes) and
// "instance_metadata": { $METADATA } (outside: insert object members). Whatever the values
// hold, the result is as well-formed as the template was.
func substitute(tpl []byte, v Values) []byte {
	var out bytes.Buffer
	out.Grow(len(tpl) + 256)
	inString, escaped := false, false
	for i := 0; i < len(tpl); i++ {
		c := tpl[i]
		if inString && escaped {
			escaped = false
			out.WriteByte(c)
			continue
		}
		if c == '$' {
			if ph, text := match(tpl[i:], v, inString); ph != "" {
				out.WriteString(text)
				i += len(ph) - 1
				continue
			}
		}
		switch {
		case inString && c == '\\':
			escaped = true
		case c == '"':
			inString = !inString
		}
		out.WriteByte(c)
	}
	return out.Bytes()
}

// match returns the placeholder at the start of b and its encoded replacement.
func match(b []byte, v Values, inString bool) (string, string) {
	switch {
	case bytes.HasPrefix(b, []byte(phMetadata)):
		members := metadataMembers(v.Metadata)
		if inString {
			return phMetadata, escape(members)
		}
		return phMetadata, members
	case bytes.HasPrefix(b, []byte(phName)):
		return phName, encodeString(v.Name, inString)
	case bytes.HasPrefix(b, []byte(phImage)):
		return phImage, encodeString(v.Image, inString)
	}
	return "", ""
}

func encodeString(s string, inString bool) string {
	if inString {
		return escape(s)
	}
	return quote(s)
}

// quote is s as a JSON string literal. HTML escaping is off: the output is a Packer template,
// and "\u003c" where a user wrote "<" would only confuse.
func quote(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(s) // a string always encodes
	return string(bytes.TrimSuffix(b.Bytes(), []byte("\n")))
}

// escape is s escaped for the inside of a JSON string literal.
func escape(s string) string {
	q := quote(s)
	return q[1 : len(q)-1]
}

// metadataMembers renders the metadata as JSON object members, sorted by key:
// "AQ_ARCHETYPE": "ral", "AQ_DOMAIN": "prod", ...
func metadataMembers(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b bytes.Buffer
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(quote(k))
		b.WriteString(": ")
		b.WriteString(quote(m[k]))
	}
	return b.String()
}
