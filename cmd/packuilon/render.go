package main

import (
	"context"
	"fmt"

	"github.com/packuilon/packuilon/templates"
)

func init() {
	register("render", "print what would be built for a request or profile file, without building", runRender)
}

func runRender(_ context.Context, env *cmdEnv, args []string) int {
	fs, path := newFlags(env, "render")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(env.stderr, "usage: packuilon render --config PATH <request-or-profile.json>")
		return 2
	}
	req, err := requestFromFile(fs.Arg(0))
	if err != nil {
		fmt.Fprintf(env.stderr, "packuilon render: %v\n", err)
		return 1
	}
	cfg, _, ok := setup(env, *path)
	if !ok {
		return 1
	}
	set, err := templates.Load(cfg.Builder.TemplateSources())
	if err != nil {
		fmt.Fprintf(env.stderr, "packuilon render: %v\n", err)
		return 1
	}
	plan, err := set.Plan(req)
	if err != nil {
		fmt.Fprintf(env.stderr, "packuilon render: %s: %v\n", req.ImageKey, err)
		return 1
	}
	fmt.Fprintf(env.stdout, "# image key:    %s\n# source image: %s\n# fingerprint:  %s\n", req.ImageKey, plan.SourceImageID, plan.Fingerprint)
	for _, t := range plan.Templates {
		r, err := templates.Render(t, plan, req)
		if err != nil {
			fmt.Fprintf(env.stderr, "packuilon render: %v\n", err)
			return 1
		}
		what := "rendered template"
		if t.Kind == templates.KindHCL {
			what = "variable file for " + t.Path
		}
		fmt.Fprintf(env.stdout, "# --- %s.%s: %s of %s (image %q)\n%s", req.ImageKey, t.Stem, what, t.Path, r.ImageName, r.Data)
		if n := len(r.Data); n == 0 || r.Data[n-1] != '\n' {
			fmt.Fprintln(env.stdout)
		}
	}
	return 0
}
