package templates

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLoadRejectsBadFiles: every broken input fails the whole load with a reason, so a bad
// reload keeps the running set.
func TestLoadRejectsBadFiles(t *testing.T) {
	good := `{"builders": [{"type": "null", "communicator": "none"}], "variables": { $METADATA }}`
	cases := []struct {
		name, mapJSON, images, template, tplName, err string
	}{
		{"map not json", `{`, `{}`, good, "t.json", "not a JSON object"},
		{"map key unsafe", `{"../x": ["t.json"]}`, `{}`, good, "t.json", "not a valid image key"},
		{"map entry empty", `{"DEFAULT": []}`, `{}`, good, "t.json", "no templates"},
		{"map entry wrong type", `{"DEFAULT": 3}`, `{}`, good, "t.json", "want a list"},
		{"template missing", `{"DEFAULT": ["nope.json"]}`, `{}`, good, "t.json", "no such file"},
		{"template not json", `{"DEFAULT": ["t.json"]}`, `{}`, `{"builders": [`, "t.json", "not a JSON object"},
		{"template no builders", `{"DEFAULT": ["t.json"]}`, `{}`, `{"variables": {}}`, "t.json", "builders"},
		{"template unknown root key", `{"DEFAULT": ["t.json"]}`, `{}`, `{"builders": [{"type": "null"}], "bogus": 1}`, "t.json", "unknown root key"},
		{"template builder without type", `{"DEFAULT": ["t.json"]}`, `{}`, `{"builders": [{"name": "x"}]}`, "t.json", "missing \"type\""},
		{"template only names unknown builder", `{"DEFAULT": ["t.json"]}`, `{}`, `{"builders": [{"type": "null"}], "provisioners": [{"type": "shell-local", "only": ["nope"]}]}`, "t.json", "unknown builder"},
		{"template name unsafe", `{"DEFAULT": ["..json"]}`, `{}`, good, "..json", "not usable"},
		{"images not json", `{"DEFAULT": ["t.json"]}`, `[`, good, "t.json", "source images"},
		{"images wrong shape", `{"DEFAULT": ["t.json"]}`, `{"sl": [1]}`, good, "t.json", "want an image id"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			write := func(name, data string) string {
				p := filepath.Join(dir, name)
				if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
					t.Fatal(err)
				}
				return p
			}
			write(c.tplName, c.template)
			_, err := Load(Sources{Map: write("map.json", c.mapJSON), Images: write("images.json", c.images)})
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Fatalf("err = %v, want one containing %q", err, c.err)
			}
		})
	}
}

// TestLegacySingleTemplate: the old PACKER_TEMPLATE key is the DEFAULT when there is no map.
func TestLegacySingleTemplate(t *testing.T) {
	s, err := Load(Sources{Template: "testdata/managed.json", Images: "testdata/source-images.json"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.Plan(req("anything", "sl", "7x-x86_64", prod))
	if err != nil || len(p.Templates) != 1 || p.Templates[0].Stem != "managed" {
		t.Fatalf("plan = %+v, %v; want the single template", p, err)
	}
}
