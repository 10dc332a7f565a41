package event

import (
	"errors"
	"strings"
	"testing"
)

func TestNaming(t *testing.T) {
	s := Spec{Hostname: "tmpl1.cloud.template", Personality: "nubesvms", Archetype: "ral-tier1", OS: "sl", OSVersion: "7x-x86_64",
		Branch: Branch{Type: BranchDomain, Name: "prod"}}
	for _, tc := range []struct {
		name, key, image string
		wantKey, wantImg string
	}{
		{"defaults: the documented convention", "", "", s.ImageKey(), s.DisplayName()},
		{"defaults spelled out", DefaultKeyFormat, DefaultNameFormat, "nubesvms-sl7x-x86_64", "sl7x-x86_64 nubesvms"},
		{"last rabbit2packer release", "{hostname}", "{hostname}", "tmpl1.cloud.template", "tmpl1.cloud.template"},
		{"archetype", "{archetype}_{personality}", "{personality} ({archetype}, {os} {os_version})", "ral-tier1_nubesvms", "nubesvms (ral-tier1, sl 7x-x86_64)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := Naming{Key: tc.key, Name: tc.image}
			k, err := n.ImageKey(s)
			if err != nil || k != tc.wantKey {
				t.Errorf("key %q, %v; want %q", k, err, tc.wantKey)
			}
			img, err := n.ImageName(s)
			if err != nil || img != tc.wantImg {
				t.Errorf("name %q, %v; want %q", img, err, tc.wantImg)
			}
		})
	}
	for _, f := range []string{"{host}", "{personality", "personality}", "{}"} {
		if err := CheckFormat(f); err == nil {
			t.Errorf("CheckFormat(%q) accepted it", f)
		}
	}
	for _, n := range []Naming{
		{Key: "{os}/{personality}"}, {Key: "{personality}..{os}"}, {Key: strings.Repeat("{hostname}", 10)}, {Key: "a b{os}"},
		{Name: "{os}/{personality}"}, {Name: "..{personality}"}, {Name: strings.Repeat("{hostname}", 20)}, {Name: "{os}\n"},
	} {
		_, kerr := n.ImageKey(s)
		_, nerr := n.ImageName(s)
		if err := errors.Join(kerr, nerr); !errors.Is(err, ErrInvalid) {
			t.Errorf("%+v: err = %v, want the produced name refused", n, err)
		}
	}
	noHost := s
	noHost.Hostname = ""
	if _, err := (Naming{Key: "{hostname}"}).ImageKey(noHost); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "hostname") {
		t.Errorf("a skeleton under {hostname}: %v, want an error naming hostname", err)
	}
}
