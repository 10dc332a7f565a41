// Package state is the build store: one record per build (request, state, stage, timings,
// artifacts, error) and a journal of every transition. It is the source of truth of the
// builder; the queue is only intake.
//
// The store is SQLite in WAL mode (modernc.org/sqlite, no cgo), so the CLI (status, show,
// retry) reads and writes it while the daemon runs in another process: WAL lets readers go on
// during a write, and busy_timeout makes a second writer wait instead of failing.
//
//	st, err := state.Open("/var/lib/packuilon/builds.db")
//	rec, superseded, err := st.Intake(ctx, req, msgID)
//	err = st.Transition(ctx, rec.ID, state.Building, "packer", "")
package state
