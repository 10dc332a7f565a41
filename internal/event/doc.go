// Package event defines the wire format of build requests (packuilon.build-request/v1)
// and the extraction of an image's defining fields from an Aquilon profile.
//
// A watcher turns a profile into a request:
//
//	spec, digest, err := event.ReadProfile(body, event.ProfileOptions{IgnorePaths: ignore})
//	req := event.NewRequest(spec, event.ReasonProfileChanged)
//	req.ProfileDigest = digest
//	body, _ := json.Marshal(req)
//
// The builder decodes whatever arrives on the queue with Decode, which also accepts the
// legacy bodies (a whole Aquilon profile, packuilon.py's skeleton profile).
package event
