// Package glance manages packuilon's images in Glance: it finds managed images by their
// packuilon_key property, promotes a tested candidate (members, visibility and properties carried
// over from the previous image, which is warehoused), rolls back, marks broken candidates and
// applies retention. Every step is idempotent and decided from Glance's state alone, so a
// promotion that stopped anywhere converges when run again; within a step, transient errors
// (see Transient) are retried with backoff, re-reading the image first.
//
//	store, err := glance.Open(ctx, cfg.Promote, os.Getenv, log) // ADMIN_AUTH_FILE, OS_CLOUD or OS_*
//	c := glance.Candidate{ImageID: id, Key: "sl7.managed", Name: "SL7 AQ"}
//	err = store.MarkCandidate(ctx, c) // right after packer: candidate-SL7 AQ
//	res, err := store.Promote(ctx, c) // after the smoke test: SL7 AQ, the old image warehoused
package glance
