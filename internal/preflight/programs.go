package preflight

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"

	"github.com/packuilon/packuilon/internal/config"
)

// programs runs `packer version` on a host that builds, and `rally --version` and `rally
// deployment show` when the smoke test is Rally's.
func programs(ctx context.Context, cfg *config.Config) []Result {
	var out []Result
	if b := cfg.Builder; b.PackerTemplateMap != "" || b.PackerTemplate != "" {
		out = append(out, runs(ctx, "packer ([rabbit2packer] PACKER_PATH "+b.PackerPath+")", b.PackerPath, "version"))
	}
	r := cfg.Rally
	name := "rally ([rally-image-testing] RALLY_PATH " + r.RallyPath + ")"
	if cfg.Smoke.Method != config.SmokeRally {
		return append(out, skip(name, "[smoke] METHOD is "+cfg.Smoke.Method+", not rally"))
	}
	var conf []string
	if r.RallyConfig != "" {
		conf = []string{"--config-file", r.RallyConfig}
	}
	res := runs(ctx, name, r.RallyPath, append(conf, "--version")...)
	out = append(out, res)
	if !res.OK {
		return out
	}
	show := append(conf, "deployment", "show")
	dep := "the current deployment"
	if r.DeploymentUUID != "" {
		show = append(show, r.DeploymentUUID)
		dep = "deployment " + r.DeploymentUUID
	}
	res = runs(ctx, "rally "+dep+" ([rally-image-testing] DEPLOYMENT_UUID)", r.RallyPath, show...)
	if res.OK {
		res.Detail = "exists"
	}
	return append(out, res)
}

// runs runs a program (argv, no shell) within Timeout; OK with the first line of its output.
func runs(ctx context.Context, name, path string, args ...string) Result {
	return withTimeout(ctx, func(ctx context.Context) Result {
		cmd := exec.CommandContext(ctx, path, args...)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			why := lastLine(stderr.String())
			if why == "" { // rally says why on stdout
				why = lastLine(stdout.String())
			}
			return fail(name, fmt.Errorf("%s %s: %w: %s", path, strings.Join(args, " "), err, why))
		}
		return ok(name, "%s", firstLine(stdout.String()+stderr.String()))
	})
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}
