package builder

import "sync/atomic"

// stepHook, when set (the dispatch benchmark), hears each step on the way from a delivery to
// packer running, so the benchmark can say where the milliseconds go. Unset it costs one
// atomic load per step.
var stepHook atomic.Pointer[func(step string)]

// step tells stepHook that the dispatch path reached step.
func step(name string) {
	if f := stepHook.Load(); f != nil {
		(*f)(name)
	}
}
