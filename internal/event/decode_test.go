package event

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
)

func readProfile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDecodeProfiles(t *testing.T) {
	tests := []struct {
		file     string
		wantKey  string
		wantMeta map[string]string
	}{
		{"profile-domain-sl7.json", "nubesvms-sl7x-x86_64", map[string]string{
			"AQ_ARCHETYPE": "ral-tier1", "AQ_PERSONALITY": "nubesvms", "AQ_OS": "sl", "AQ_OSVERSION": "7x-x86_64", "AQ_DOMAIN": "prod"}},
		{"profile-sandbox-rocky8.json", "image-factory-rocky8x-x86_64", map[string]string{
			"AQ_ARCHETYPE": "ral-tier1", "AQ_PERSONALITY": "image-factory", "AQ_OS": "rocky", "AQ_OSVERSION": "8x-x86_64",
			"AQ_SANDBOX": "abc12345/rocky8_image_factory"}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			r, format, err := Decode(readProfile(t, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			if format != FormatProfile || r.ImageKey != tc.wantKey || r.Reason != ReasonProfileChanged {
				t.Errorf("format %s key %s reason %s", format, r.ImageKey, r.Reason)
			}
			got := r.Metadata()
			if len(got) != len(tc.wantMeta) {
				t.Errorf("metadata %v, want %v", got, tc.wantMeta)
			}
			for k, v := range tc.wantMeta {
				if got[k] != v {
					t.Errorf("%s = %q, want %q", k, got[k], v)
				}
			}
		})
	}
}

// The skeleton profile packuilon.py publishes: no archetype.os/model, no hostname.
const skeleton = `{"metadata": {"template": {"branch": {"name": "prod", "type": "domain"}}},
 "system": {"personality": {"name": "test"}, "archetype": {"name": "ral-tier1"},
  "os": {"architecture": "x86_64", "distribution": {"name": "sl"}, "version": {"name": "7x"}}}}`

func TestDecodeSkeletonIsManual(t *testing.T) {
	r, _, err := Decode([]byte(skeleton))
	if err != nil {
		t.Fatal(err)
	}
	if r.ImageKey != "test-sl7x-x86_64" || r.Reason != ReasonManual || r.OSVersion != "7x-x86_64" {
		t.Errorf("got %+v", r)
	}
}

func TestDecodeV1RoundTrip(t *testing.T) {
	spec := Spec{Personality: "p", Archetype: "a", OS: "sl", OSVersion: "7x-x86_64", Branch: Branch{Type: BranchDomain, Name: "prod"}}
	in := NewRequest(spec, ReasonManual)
	in.Force = true
	body, _ := json.Marshal(in)
	out, format, err := Decode(body)
	if err != nil || format != FormatV1 {
		t.Fatalf("%v %s", err, format)
	}
	if out.ImageKey != "p-sl7x-x86_64" || !out.Force || !out.RequestedAt.Equal(in.RequestedAt) {
		t.Errorf("got %+v", out)
	}
}

func TestDecodeRejects(t *testing.T) {
	valid := func(mut func(m map[string]any)) string {
		var m map[string]any
		b, _ := json.Marshal(NewRequest(Spec{Personality: "p", Archetype: "a", OS: "sl", OSVersion: "7x-x86_64",
			Branch: Branch{Type: BranchDomain, Name: "prod"}}, ReasonManual))
		json.Unmarshal(b, &m)
		mut(m)
		b, _ = json.Marshal(m)
		return string(b)
	}
	tests := []struct{ name, body, want string }{
		{"not json", `{{`, "not a JSON object"},
		{"array", `[1,2]`, "not a JSON object"},
		{"neither", `{"hello": 1}`, "neither a build request"},
		{"data after the request", valid(func(map[string]any) {}) + ` {}`, "not a JSON object"},
		{"data after the profile", `{"system": {}} {"system": {}}`, "not a JSON object"},
		{"wrong schema", valid(func(m map[string]any) { m["schema"] = "x/v9" }), "schema"},
		{"quote in personality", valid(func(m map[string]any) { m["personality"] = `p"; rm -rf /` }), "personality"},
		{"path in image key", valid(func(m map[string]any) { m["image_key"] = "../../etc/passwd" }), "image_key"},
		{"dotdot hostname", valid(func(m map[string]any) { m["hostname"] = "../x" }), "hostname"},
		{"sandbox without author", valid(func(m map[string]any) { m["branch"] = map[string]any{"type": "sandbox", "name": "s"} }), "branch.author"},
		{"unknown reason", valid(func(m map[string]any) { m["reason"] = "because" }), "reason"},
		{"profile without personality", `{"system": {"archetype": {"name": "a"}}}`, "personality is missing"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := Decode([]byte(tc.body))
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want ErrInvalid mentioning %q", err, tc.want)
			}
		})
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte(skeleton))
	f.Add(readProfile(f, "profile-sandbox-rocky8.json"))
	b, _ := json.Marshal(NewRequest(Spec{Personality: "p", Archetype: "a", OS: "sl", OSVersion: "7x-x86_64",
		Branch: Branch{Type: BranchDomain, Name: "prod"}}, ReasonManual))
	f.Add(b)
	f.Fuzz(func(t *testing.T, body []byte) {
		r, _, err := Decode(body)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error does not wrap ErrInvalid: %v", err)
			}
			return
		}
		// Whatever is accepted must be safe to use in a file name and must re-validate.
		if !ValidImageKey(r.ImageKey) || strings.ContainsAny(r.ImageKey, "/\\\x00") {
			t.Fatalf("accepted unsafe image key %q", r.ImageKey)
		}
		if err := r.Validate(); err != nil {
			t.Fatalf("accepted request does not validate: %v", err)
		}
	})
}

// TestProfileNumbers: a numeric OS version reads as written, whether the profile comes to the
// watcher (ReadProfile) or to the builder (Decode).
func TestProfileNumbers(t *testing.T) {
	body := `{"system": {"personality": {"name": "p"}, "archetype": {"name": "a"},
		"os": {"distribution": {"name": "rocky"}, "version": {"name": 8}, "architecture": "x86_64"}},
		"metadata": {"template": {"branch": {"type": "domain", "name": "prod"}}}}`
	s, _, err := ReadProfile([]byte(body), ProfileOptions{})
	if err != nil || s.OSVersion != "8-x86_64" {
		t.Errorf("ReadProfile: os_version %q, err %v; want 8-x86_64", s.OSVersion, err)
	}
	r, _, err := Decode([]byte(body))
	if err != nil || r.Spec.OSVersion != "8-x86_64" {
		t.Errorf("Decode: os_version %q, err %v; want 8-x86_64", r.Spec.OSVersion, err)
	}
}
