package templates

import (
	"encoding/json"
	"testing"

	"github.com/packuilon/packuilon/internal/event"
)

// FuzzSubstitute: whatever the template and the values, if the template with JSON-safe sample
// values is a valid document, it stays valid with any values (nothing can break out of a
// string or an object).
func FuzzSubstitute(f *testing.F) {
	f.Add(`{"a": "$NAME AQ", "b": $IMAGE, "m": { $METADATA }}`, `x"y`, `\`, "k", "v")
	f.Add(`{"s": "\"$NAME\\", "t": ["$METADATA"]}`, "a\nb", "$NAME", `"`, `\u0000`)
	f.Fuzz(func(t *testing.T, tpl, name, image, mk, mv string) {
		safe := substitute([]byte(tpl), Values{Name: "n", Image: "i", Metadata: map[string]string{"K": "v"}})
		if !json.Valid(safe) {
			return
		}
		doc := substitute([]byte(tpl), Values{Name: name, Image: image, Metadata: map[string]string{mk: mv}})
		if !json.Valid(doc) {
			t.Fatalf("values broke the document:\ntemplate %q\nresult   %q", tpl, doc)
		}
	})
}

// FuzzDecodeAndRender runs untrusted message bodies through decoding and, when they are
// accepted, rendering: no panic, and an accepted request always renders valid JSON.
func FuzzDecodeAndRender(f *testing.F) {
	set, err := Load(Sources{Map: "testdata/template-map.json", Images: "testdata/source-images.json"})
	if err != nil {
		f.Fatal(err)
	}
	good, _ := json.Marshal(req("nubesvms", "sl", "7x-x86_64", prod))
	f.Add(good)
	f.Add([]byte(`{"system": {"personality": {"name": "p"}, "archetype": {"name": "a", "os": "sl", "model": "7x-x86_64"}}, "metadata": {"template": {"branch": {"type": "domain", "name": "prod"}}}}`))
	f.Add([]byte(`{"schema": "packuilon.build-request/v1", "image_key": "../x"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		r, _, err := event.Decode(body)
		if err != nil {
			return
		}
		plan, err := set.Plan(r)
		if err != nil {
			return
		}
		for _, tpl := range plan.Templates {
			out, err := Render(tpl, plan, r)
			if err != nil {
				t.Fatalf("accepted request does not render: %v", err)
			}
			if !json.Valid(out.Data) {
				t.Fatalf("rendered invalid JSON for %q", body)
			}
		}
	})
}
