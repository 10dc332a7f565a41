package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/packuilon/packuilon/templates"
)

func init() { register(newRenderCmd) }

func newRenderCmd(env *cmdEnv) *cobra.Command {
	return &cobra.Command{
		Use:   "render <request-or-profile.json>",
		Short: "print what would be built for a request or profile file, without building",
		Long: `Print what would be built for a build request or profile file: the image key, source
image, fingerprint and every rendered template. Read-only: builds nothing, writes nothing.` +
			exitStatus(exitOK, "1  the file, the configuration or a template is not usable", exitUsage),
		Args: cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error { return exit(runRender(env, args[0])) },
	}
}

func runRender(env *cmdEnv, file string) int {
	cfg, _, ok := setup(env, readOnly)
	if !ok {
		return 1
	}
	req, err := requestFromFile(cfg, file)
	if err != nil {
		fmt.Fprintf(env.stderr, "packuilon render: %v\n", err)
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
