package event

import (
	"encoding/json"
	"fmt"
	"time"
)

// Formats Decode recognises.
const (
	FormatV1      = "v1"
	FormatProfile = "legacy-profile"
)

// MaxBodySize is the largest message body Decode accepts. Legacy publishers send whole
// profiles, which reach tens of MB.
const MaxBodySize = 128 << 20

// Decode turns a message body into a validated build request. It accepts event v1, a whole
// Aquilon profile (what cdb2rabbit publishes) and packuilon.py's skeleton profile (reason
// "manual"). It returns the format it found. Every error wraps ErrInvalid.
func Decode(body []byte) (BuildRequest, string, error) {
	if len(body) > MaxBodySize {
		return BuildRequest{}, "", fmt.Errorf("%w: body of %d bytes is over the limit of %d", ErrInvalid, len(body), MaxBodySize)
	}
	// One decode into a generic map tells the formats apart and, for a legacy profile (tens of
	// MB), is all the parsing it needs; only the small v1 body is decoded a second time.
	var p map[string]any
	if err := json.Unmarshal(body, &p); err != nil {
		return BuildRequest{}, "", fmt.Errorf("%w: not a JSON object: %v", ErrInvalid, err)
	}
	if _, ok := p["schema"]; ok {
		var r BuildRequest
		if err := json.Unmarshal(body, &r); err != nil {
			return BuildRequest{}, FormatV1, fmt.Errorf("%w: %v", ErrInvalid, err)
		}
		if err := r.Validate(); err != nil {
			return BuildRequest{}, FormatV1, err
		}
		return r, FormatV1, nil
	}
	if _, ok := p["system"]; !ok {
		return BuildRequest{}, "", fmt.Errorf("%w: neither a build request (no schema) nor a profile (no system)", ErrInvalid)
	}
	spec, err := SpecFromProfile(p)
	if err != nil {
		return BuildRequest{}, FormatProfile, err
	}
	r := NewRequest(spec, ReasonProfileChanged)
	if spec.Hostname == "" { // the skeleton profile of packuilon.py has no hostname
		r.Reason = ReasonManual
	}
	r.RequestedAt = time.Now().UTC()
	return r, FormatProfile, nil
}
