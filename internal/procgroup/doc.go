// Package procgroup runs a child program in a process group of its own and stops the whole
// group, as a terminal's Ctrl-C does, rather than only the process it started.
//
// Packer 1.6.6 is two processes (a panic-wrapper parent that ignores SIGINT, and the real
// packer), and its provisioners start more; Rally runs its iterations in child processes. A
// signal to the parent alone leaves the others running. Here every signal goes to the group:
// SIGINT first (packer cancels and deletes its temporary server), SIGTERM half way through
// the grace period, SIGKILL at its end, and SIGKILL once more to whatever is left when the
// parent has exited.
//
// A Group records the group with the boot it belongs to and its leader's start time, so that
// a later process (a builder restarted after a crash) can tell whether the group of a
// recorded build still runs, and end it:
//
//	cmd := exec.CommandContext(ctx, "/usr/bin/packer", "build", tpl)
//	h := procgroup.Setup(cmd, killGrace)
//	if err := cmd.Start(); err != nil { ... }
//	g, _ := procgroup.Describe(cmd.Process.Pid) // save g with the build
//	err := cmd.Wait()
//	if err := h.Finish(); err != nil { log(err) } // nothing of the group outlives the run unnoticed
//
//	// later, in a new process
//	if alive, _ := g.Alive(); alive { g.Reap(ctx, killGrace) }
package procgroup
