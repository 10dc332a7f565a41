package templates

import (
	"encoding/json"
	"testing"
)

// TestAsCandidate: packer is told to name the image candidate-<name> (every JSON builder's
// image_name, the HCL2 name variable) while ImageName stays the canonical name, and the rest
// of the rendered template is unchanged.
func TestAsCandidate(t *testing.T) {
	set := loadTestdata(t)
	for _, c := range []struct {
		name string
		req  string
	}{{"json", "other"}, {"hcl", "hcl"}} {
		t.Run(c.name, func(t *testing.T) {
			r0 := req(c.req, "sl", "7x-x86_64", prod)
			if c.req == "hcl" {
				r0 = req("hcl", "rocky", "8x-x86_64", prod)
			}
			plan, err := set.Plan(r0)
			if err != nil {
				t.Fatal(err)
			}
			tpl := plan.Templates[len(plan.Templates)-1]
			plain, err := Render(tpl, plan, r0)
			if err != nil {
				t.Fatal(err)
			}
			cand, err := AsCandidate(tpl, plain)
			if err != nil {
				t.Fatal(err)
			}
			if cand.ImageName != plain.ImageName || plain.ImageName == "" {
				t.Fatalf("ImageName %q, want the canonical %q", cand.ImageName, plain.ImageName)
			}
			var before, after map[string]any
			if err := json.Unmarshal(plain.Data, &before); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(cand.Data, &after); err != nil {
				t.Fatal(err)
			}
			got, want := nameOf(t, tpl.Kind, after), CandidatePrefix+nameOf(t, tpl.Kind, before)
			if got != want || got == CandidatePrefix {
				t.Fatalf("name given to packer %q, want %q", got, want)
			}
			if len(before) != len(after) {
				t.Errorf("keys changed: %v -> %v", before, after)
			}
			if tpl.Kind == KindJSON {
				if _, err := Validate(cand.Data); err != nil {
					t.Errorf("candidate template is not valid: %v", err)
				}
			}
		})
	}
}

func nameOf(t *testing.T, k Kind, doc map[string]any) string {
	t.Helper()
	if k == KindHCL {
		s, _ := doc["name"].(string)
		return s
	}
	b := doc["builders"].([]any)[0].(map[string]any)
	s, _ := b["image_name"].(string)
	return s
}
