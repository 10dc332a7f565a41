// Package builder is packuilon's builder daemon: it takes build requests from the queue,
// records them durably, schedules them (one build per image key, THREAD_COUNT in all, newer
// requests coalescing), and runs each through a Pipeline of Stages:
// render → packer → smoke → promote.
//
// The daemon is started from cmd/packuilon (signals become ctx and Reload) or from a test:
//
//	err := builder.Run(ctx, builder.Options{Config: cfg, Log: log, Reload: hup})
//
// The build store (internal/state) is the source of truth: intake records a request and only
// then acks it, the scheduler takes queued builds from the store, and every stage transition
// is journaled there, so a restarted daemon resumes where the last one stopped.
package builder
