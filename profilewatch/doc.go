// Package profilewatch replaces cdb2rabbit: it watches Aquilon's profile index and publishes one
// build request per template host whose profile really changed.
//
// A scan fetches the index (profiles-info.xml, or .xml.gz), diffs it by name against the cached
// index, downloads the changed profiles that match PROFILE_MATCH, takes a digest of each with the
// ignored paths removed, and publishes a request for every profile whose digest changed. The cache
// is written only after the broker confirmed every publish, so a crash or a broker outage means the
// change is published again by the next scan; it is never lost.
//
//	s, err := profilewatch.NewScanner(cfg, log)
//	report, err := s.Scan(ctx, profilewatch.ScanOptions{})
//
// Run is the daemon: a scan at start, on a cron schedule and on Aquilon's UDP notification.
package profilewatch
