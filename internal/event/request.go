package event

import (
	"time"
)

// Schema is the value of the schema field and of the AMQP type property of a build request.
const Schema = "packuilon.build-request/v1"

// ContentType is the AMQP content type of a build request.
const ContentType = "application/json"

// Reasons a build was requested.
const (
	ReasonProfileChanged = "profile-changed"
	ReasonManual         = "manual"
	ReasonSchedule       = "schedule"
	ReasonRetry          = "retry"
)

// Branch types as Aquilon names them in metadata.template.branch.type.
const (
	BranchDomain  = "domain"
	BranchSandbox = "sandbox"
)

// Branch is the Aquilon domain or sandbox a profile was compiled from.
type Branch struct {
	Type   string `json:"type"`
	Name   string `json:"name"`
	Author string `json:"author,omitempty"`
}

// Spec is what defines an image: the fields extracted from an Aquilon profile.
type Spec struct {
	Hostname    string `json:"hostname,omitempty"`
	Personality string `json:"personality"`
	Archetype   string `json:"archetype"`
	OS          string `json:"os"`
	// OSVersion is in Aquilon's model form, e.g. "7x-x86_64".
	OSVersion string `json:"os_version"`
	Branch    Branch `json:"branch"`
}

// BuildRequest is one request to build the image defined by its Spec.
type BuildRequest struct {
	Schema   string `json:"schema"`
	ImageKey string `json:"image_key"`
	Spec
	ProfileURL    string    `json:"profile_url,omitempty"`
	ProfileDigest string    `json:"profile_digest,omitempty"`
	Reason        string    `json:"reason"`
	RequestedAt   time.Time `json:"requested_at"`
	Force         bool      `json:"force,omitempty"`
}

// NewRequest returns a request for spec with the schema, image key and time filled in.
func NewRequest(spec Spec, reason string) BuildRequest {
	return BuildRequest{
		Schema:      Schema,
		ImageKey:    spec.ImageKey(),
		Spec:        spec,
		Reason:      reason,
		RequestedAt: time.Now().UTC(),
	}
}

// ImageKey is the key that names an image in the template map, the build store and Glance
// (property packuilon_key): "<personality>-<os><os_version>", e.g. "nubesvms-sl7x-x86_64",
// the same form as the image names of rabbit2packer, so existing template maps keep working.
func (s Spec) ImageKey() string {
	return s.Personality + "-" + s.SourceKey()
}

// SourceKey is the key of the source image in the flat IMAGES_CONFIG form: "<os><os_version>",
// e.g. "sl7x-x86_64".
func (s Spec) SourceKey() string {
	return s.OS + s.OSVersion
}

// DisplayName is the default legacy $NAME value: "<os><os_version> <personality>" (Naming
// makes it from [rabbit2packer] IMAGE_NAME).
func (s Spec) DisplayName() string {
	return s.SourceKey() + " " + s.Personality
}

// Metadata returns the AQ_* properties that go on the build VM and the output image.
func (s Spec) Metadata() map[string]string {
	m := map[string]string{
		"AQ_ARCHETYPE":   s.Archetype,
		"AQ_PERSONALITY": s.Personality,
		"AQ_OS":          s.OS,
		"AQ_OSVERSION":   s.OSVersion,
	}
	if s.Branch.Type == BranchSandbox {
		m["AQ_SANDBOX"] = s.Branch.Author + "/" + s.Branch.Name
	} else {
		m["AQ_DOMAIN"] = s.Branch.Name
	}
	return m
}

// MessageID is the AMQP message id for the request: the profile digest when there is one,
// so duplicates of one change are recognisable, else the given fallback (a UUID).
func (r BuildRequest) MessageID(fallback string) string {
	if r.ProfileDigest != "" {
		return r.ProfileDigest
	}
	return fallback
}
