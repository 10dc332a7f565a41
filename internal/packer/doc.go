// Package packer runs the packer binary: an argv (never a shell), an environment built from
// an openrc-style auth file read as data, output streamed line by line into the build log,
// cancellation by SIGINT with a grace period before the kill (so packer can delete its
// temporary server), and the artifact id taken from the machine-readable output.
//
//	env, err := packer.AuthEnv("/etc/packer-utils/packer-auth.sh")
//	r := packer.Runner{Path: "packer", Env: env, KillGrace: 2 * time.Minute}
//	res, err := r.Build(ctx, packer.Job{Template: buildFile}, logFile)
//	fmt.Println(res.ArtifactID)
package packer
