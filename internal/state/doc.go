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
//
// # Schema migrations
//
// The schema is versioned: the table schema_version holds one row per applied migration, and
// Open applies the missing ones of the list in migrate.go at every start, in one transaction.
// A store whose version is newer than the binary's (SchemaVersion) is refused by Open and
// OpenReadOnly, untouched. A store made before versions existed is adopted: every migration
// runs over it (they are all CREATE ... IF NOT EXISTS) and is recorded.
//
// To change the schema (a table for claims, an outbox, a column), append one entry to
// migrations with the next version number and its SQL; never edit or reorder a released one.
// A column is added with ALTER TABLE ... ADD COLUMN in the new migration (not in the CREATE of
// an old one). A second backend (PostgreSQL) keeps the same version numbers and gets its own
// SQL per migration, so both stores report the same schema_version for the same binary.
//
// A small versioned list rather than pressly/goose: the migrations are forward-only SQL, all
// applied in a single SQLite transaction (goose runs one transaction per migration and keeps
// its own goose_db_version table), the refusal of a newer store and the adoption of stores made
// before versions are the part that matters and goose has neither out of the box.
package state
