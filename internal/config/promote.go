package config

// Promote is the [promote] section: how candidate images are promoted in Glance.
type Promote struct {
	// AuthFile is the openrc file of the image admin; defaults to [rabbit2packer] ADMIN_AUTH_FILE.
	AuthFile string
}

func readPromote(r *reader, b Builder, base string) Promote {
	return Promote{
		AuthFile: abs(base, r.str("ADMIN_AUTH_FILE", b.AdminAuthFile)),
	}
}
