// Package state is the build store: one record per build (request, state, stage, timings,
// artifacts, error) and a journal of every transition. It is the source of truth of the
// builder; the queue is only intake.
//
// The store is SQLite in WAL mode (modernc.org/sqlite, no cgo), so the CLI (status, show,
// retry) reads and writes it while the daemon runs in another process: WAL lets readers go on
// during a write, and busy_timeout makes a second writer wait instead of failing. Or it is a
// PostgreSQL database (github.com/jackc/pgx through database/sql) that several builder hosts
// share. Both back-ends run the same code: queries are written once with "?" placeholders, and
// what differs (placeholders, DDL types, per-key locking, the clock, commit durability) is in
// dialect.go. Every test of the package runs on both (backend_test.go).
//
// A builder runs a build only under its image key's lease (ClaimBuild): one lease row per key,
// a fencing token every later write of the build presents, renewed by a heartbeat, taken back
// by ReapExpired once expired on the database's clock.
//
//	st, err := state.Open("/var/lib/packuilon/builds.db")
//	st, err := state.Open("postgres://packuilon@db:5432/packuilon", state.WithPasswordFile(f))
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
// an old one). Migrations are written in SQLite's dialect; PostgreSQL runs them through pgDDL
// (identity columns, BIGINT for INTEGER), so both stores report the same schema_version for
// the same binary. Write SQL both accept: "?" placeholders, ON CONFLICT ... DO UPDATE, no
// SQLite-only functions or LIMIT -1.
//
// A small versioned list rather than pressly/goose: the migrations are forward-only SQL, all
// applied in a single SQLite transaction (goose runs one transaction per migration and keeps
// its own goose_db_version table), the refusal of a newer store and the adoption of stores made
// before versions are the part that matters and goose has neither out of the box.
package state
