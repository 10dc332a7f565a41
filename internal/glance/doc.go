// Package glance manages packuilon's images in Glance: it finds managed images by their
// packuilon_key property, promotes a tested candidate (members, visibility and properties carried
// over from the previous image, which is warehoused), rolls back, marks broken candidates and
// applies retention. Every step is idempotent and decided from Glance's state alone, so a
// promotion that stopped anywhere converges when run again.
//
//	creds, err := glance.LoadCredentials(cfg.Promote.AuthFile, os.Getenv)
//	clients, err := glance.Connect(ctx, creds)
//	store := glance.NewGlanceStore(clients, cfg.Promote, log)
//	res, err := store.Promote(ctx, glance.Candidate{ImageID: id, Key: "sl7.managed", Name: "SL7 AQ"})
package glance
