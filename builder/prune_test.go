package builder

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/state"
)

// TestPruneKeepsTheNewestBuildsFiles: every file a build leaves (packer log, smoke report,
// rendered template, HCL2 variable file) goes once the build is beyond KEEP_LOGS; the newest
// builds' files and other keys' files stay.
func TestPruneKeepsTheNewestBuildsFiles(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	cfg := config.Builder{LogDir: filepath.Join(root, "log"), BuildFileDir: filepath.Join(root, "build"), KeepLogs: 1}
	for _, d := range []string{cfg.LogDir, cfg.BuildFileDir} {
		if err := os.MkdirAll(d, 0o750); err != nil {
			t.Fatal(err)
		}
	}
	st, err := state.Open(filepath.Join(root, "state", "builds.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	files := func(key, id string) []string {
		return []string{
			filepath.Join(cfg.LogDir, key+".hcl."+id+".log"),
			filepath.Join(cfg.LogDir, key+".hcl."+id+".smoke-"+key+".hcl.json"),
			filepath.Join(cfg.BuildFileDir, key+".hcl."+id+".pkrvars.json"),
			filepath.Join(cfg.BuildFileDir, key+".managed."+id+".json"),
		}
	}
	build := func(personality string) (key string, names []string) {
		rec, _, err := st.Intake(ctx, request(personality, ""), "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.Finish(ctx, rec.ID, state.Succeeded, "", nil); err != nil {
			t.Fatal(err)
		}
		for _, f := range files(rec.ImageKey, rec.ID) {
			if err := os.WriteFile(f, nil, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		return rec.ImageKey, files(rec.ImageKey, rec.ID)
	}
	key, oldest := build("hcl")
	_, older := build("hcl")
	_, newest := build("hcl")
	_, other := build("other")

	prune(ctx, st, cfg, key, hclog.NewNullLogger())

	var want []string
	want = append(append(want, newest...), other...)
	var got []string
	for _, d := range []string{cfg.LogDir, cfg.BuildFileDir} {
		m, _ := filepath.Glob(filepath.Join(d, "*"))
		got = append(got, m...)
	}
	sort.Strings(want)
	sort.Strings(got)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("files left:\n%s\nwant:\n%s\n(pruned builds' files: %q %q)", strings.Join(got, "\n"), strings.Join(want, "\n"), oldest, older)
	}
}
