package config

import "strings"

// Promotion switch values of [promote] ENABLED.
const (
	// PromoteAuto promotes, except images whose template still calls rename-old-images.sh in a
	// post-processor (that template promotes its image itself; doing it twice would warehouse
	// the new image as well).
	PromoteAuto = "auto"
	PromoteOn   = "true"
	PromoteOff  = "false"
)

// Broken candidate handling of [promote] BROKEN_ACTION.
const (
	BrokenMark   = "mark"
	BrokenDelete = "delete"
)

// Member status values of [promote] MEMBER_STATUS.
const (
	MemberAccepted = "accepted"
	MemberPending  = "pending"
)

// Promote is the [promote] section: how candidate images are promoted in Glance.
type Promote struct {
	// Enabled is auto, true or false (see PromoteAuto).
	Enabled string
	// AuthFile is the openrc file of the image admin; defaults to [rabbit2packer] ADMIN_AUTH_FILE.
	// Empty: OS_CLOUD (clouds.yaml) or the OS_* environment, as the openstack CLI reads them.
	AuthFile string
	// AuthFileSection and AuthFileKey name the old key AuthFile was read from ([rabbit2packer]
	// PACKER_ADMIN_AUTH); empty when it is ADMIN_AUTH_FILE.
	AuthFileSection, AuthFileKey string
	// CAFile verifies Keystone and Glance with a private CA (like OS_CACERT).
	CAFile string
	// MemberStatus is the status given to members copied to the new image: accepted (what
	// rename-old-images did) or pending (each project accepts the new image itself).
	MemberStatus string
	// CarryProperties are carried from the previous image where the candidate lacks them, on top
	// of AQ_*, os_distro, os_version, os_variant and hw_*. A trailing "*" matches a prefix.
	CarryProperties []string
	// WarehouseName and BrokenName are name formats with {name} and {date}; DateFormat is the
	// strftime format of {date} (UTC; %Y %m %d %H %M %S).
	WarehouseName string
	BrokenName    string
	DateFormat    string
	// DeactivateWarehoused deactivates the previous image at once (as rename-old-images did not,
	// but sites did by hand). Off by default: deactivation breaks rebuilds and migrations of
	// servers still using it.
	DeactivateWarehoused bool
	// BrokenAction is mark (rename Broken-..., private) or delete.
	BrokenAction string
	// KeepWarehoused is how many warehoused images are kept per image key; 0 keeps all.
	KeepWarehoused int
	// SourceChaining makes the IMAGES_CONFIG entry that pointed at the previous image point at
	// the new one.
	SourceChaining bool
	// MemberConcurrency bounds parallel member API calls.
	MemberConcurrency int
}

func readPromote(r *reader, b Builder, base string) Promote {
	p := Promote{
		Enabled:              r.oneOf("ENABLED", PromoteAuto, PromoteAuto, PromoteOn, PromoteOff),
		AuthFile:             abs(base, r.str("ADMIN_AUTH_FILE", b.AdminAuthFile)),
		CAFile:               abs(base, r.str("CA_FILE", "")),
		MemberStatus:         r.oneOf("MEMBER_STATUS", MemberAccepted, MemberAccepted, MemberPending),
		CarryProperties:      r.list("CARRY_PROPERTIES", nil),
		WarehouseName:        r.str("WAREHOUSE_NAME", "warehoused-{name}-{date}"),
		BrokenName:           r.str("BROKEN_NAME", "Broken-{name}-{date}"),
		DateFormat:           r.str("DATE_FORMAT", "%Y-%m-%d-%H%M%S"),
		DeactivateWarehoused: r.bool("DEACTIVATE_WAREHOUSED", false),
		BrokenAction:         r.oneOf("BROKEN_ACTION", BrokenMark, BrokenMark, BrokenDelete),
		KeepWarehoused:       r.int("KEEP_WAREHOUSED", 3, 0, 10000),
		SourceChaining:       r.bool("SOURCE_CHAINING", false),
		MemberConcurrency:    r.int("MEMBER_CONCURRENCY", 8, 1, 64),
	}
	// Without {name} every image of every key would get the same name; without {date} a
	// second warehoused image of a key would collide with the first.
	for _, f := range []struct{ key, v string }{{"WAREHOUSE_NAME", p.WarehouseName}, {"BROKEN_NAME", p.BrokenName}} {
		if !strings.Contains(f.v, "{name}") || !strings.Contains(f.v, "{date}") {
			r.problem(f.key, "%q must contain {name} and {date}", f.v)
		}
	}
	for _, c := range p.CarryProperties {
		if strings.HasPrefix(c, "packuilon_") {
			r.problem("CARRY_PROPERTIES", "%q: packuilon_* properties describe one image and are never carried", c)
		}
	}
	return p
}

func init() { extraChecks = append(extraChecks, checkPromote) }

// checkPromote checks that the files promotion reads exist.
func checkPromote(c *Config) Problems {
	section, key := "promote", "ADMIN_AUTH_FILE"
	if c.Promote.AuthFileKey != "" {
		section, key = c.Promote.AuthFileSection, c.Promote.AuthFileKey
	}
	ps := c.authFile(section, key, c.Promote.AuthFile)
	ps = append(ps, c.missing("promote", "CA_FILE", c.Promote.CAFile)...)
	if c.Promote.SourceChaining && c.Builder.ImagesConfig == "" {
		ps = append(ps, Problem{File: c.Path, Section: "promote", Key: "SOURCE_CHAINING", Msg: "needs [rabbit2packer] IMAGES_CONFIG"})
	}
	return ps
}
