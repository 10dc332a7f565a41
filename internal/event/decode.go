package event

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/packuilon/packuilon/internal/canon"
	"github.com/packuilon/packuilon/internal/redact"
)

// Formats Decode recognises.
const (
	FormatV1      = "v1"
	FormatProfile = "legacy-profile"
)

// MaxBodySize is the largest message body Decode accepts. Legacy publishers send whole
// profiles, which reach tens of MB.
const MaxBodySize = 128 << 20

// MaxValues bounds the JSON values of one message: 16 million, one per 8 bytes of
// MaxBodySize. A real 20 MB profile holds about a million; a body past the bound (a hostile
// array of tens of millions of numbers) is refused while it is read, before it costs memory.
const MaxValues = MaxBodySize / 8

// Decoder decodes message bodies; its zero value is the Decode of the package.
type Decoder struct {
	// IgnorePaths are left out of the digest of a whole profile, as the watcher leaves them out
	// ([cdb2rabbit] IGNORE_PATHS of the same config file), so both give one content one digest.
	IgnorePaths []string
	// Naming makes the image key of a whole or skeleton profile ([rabbit2packer] IMAGE_KEY); a
	// build request (v1) keeps the image_key it carries.
	Naming Naming
}

// Decode is Decoder{}.Decode.
func Decode(body []byte) (BuildRequest, string, error) { return Decoder{}.Decode(body) }

// Decode turns a message body into a validated build request. It accepts event v1, a whole
// Aquilon profile (what cdb2rabbit publishes) and packuilon.py's skeleton profile. It returns
// the format it found. Every error wraps ErrInvalid.
//
// The body is read once by a streaming reader (internal/canon) that builds no tree: it holds the
// canonical form (at most twice the body) and refuses, while reading, a body nested deeper than
// canon.DefaultMaxDepth or holding more than MaxValues values. A whole profile gets the digest
// the watcher would give it, so a changed profile builds and an identical one is skipped. The
// skeleton (no hostname) is a manual request and always builds (Force).
func (d Decoder) Decode(body []byte) (BuildRequest, string, error) {
	if len(body) > MaxBodySize {
		return BuildRequest{}, "", fmt.Errorf("%w: body of %d bytes is over the limit of %d", ErrInvalid, len(body), MaxBodySize)
	}
	doc, err := compiled(d.IgnorePaths, canon.Limits{MaxValues: MaxValues}).Read(body)
	if err != nil {
		return BuildRequest{}, "", fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if doc.Values[pSchema].Kind != canon.Missing {
		var r BuildRequest
		if err := json.Unmarshal(body, &r); err != nil {
			return BuildRequest{}, FormatV1, fmt.Errorf("%w: %v", ErrInvalid, err)
		}
		if err := r.Validate(); err != nil {
			return BuildRequest{}, FormatV1, err
		}
		// A publisher that put a user:password in profile_url: never stored, logged or shown.
		r.ProfileURL = redact.StripUserinfo(r.ProfileURL)
		return r, FormatV1, nil
	}
	if doc.Values[pSystem].Kind == canon.Missing {
		return BuildRequest{}, "", fmt.Errorf("%w: neither a build request (no schema) nor a profile (no system)", ErrInvalid)
	}
	spec, err := specFrom(func(i int) string { return scalar(doc.Values[i]) })
	if err != nil {
		return BuildRequest{}, FormatProfile, err
	}
	r := NewRequest(spec, ReasonProfileChanged)
	if err := d.Naming.Apply(&r); err != nil {
		return BuildRequest{}, FormatProfile, err
	}
	if spec.Hostname == "" { // the skeleton profile of packuilon.py has no hostname
		r.Reason, r.Force = ReasonManual, true
	} else {
		r.ProfileDigest = doc.Digest
	}
	r.RequestedAt = time.Now().UTC()
	return r, FormatProfile, nil
}
