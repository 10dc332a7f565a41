// Package builder is packuilon's builder daemon: it takes build requests from the queue,
// records them durably, schedules them (one build per image key, THREAD_COUNT in all, newer
// requests coalescing), and runs each through a Pipeline of Stages:
// render → packer → smoke → promote.
package builder
