package main

import (
	"context"
	"fmt"
	"runtime/debug"
)

// version is set at build time with -ldflags "-X main.version=..."; else the module version.
var version = ""

func init() {
	register("version", "print the version", func(_ context.Context, env *cmdEnv, _ []string) int {
		v := version
		if v == "" {
			v = "devel"
			if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
				v = bi.Main.Version
			}
		}
		fmt.Fprintln(env.stdout, "packuilon", v)
		return 0
	})
}
