package config

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/packuilon/packuilon/internal/event"
	"github.com/packuilon/packuilon/templates"
)

// Builder is the [rabbit2packer] section: how the builder daemon runs packer.
type Builder struct {
	// ThreadCount is the global limit on concurrent builds.
	ThreadCount  int
	LogDir       string
	BuildFileDir string
	// PackerAuthFile is an openrc-style file ("export OS_X=...") read as data for packer's environment.
	PackerAuthFile string
	// AdminAuthFile is the openrc file of the account that manages images in Glance.
	AdminAuthFile string
	// PackerTemplate is the old single-template key, used as DEFAULT when there is no map.
	PackerTemplate    string
	PackerTemplateMap string
	ImagesConfig      string
	PackerPath        string
	BuildTimeout      time.Duration
	// StopGrace is how long running builds may go on after SIGTERM before packer is interrupted.
	StopGrace time.Duration
	// KillGrace is how long packer gets after SIGINT before it is killed.
	KillGrace time.Duration
	// KeepLogs is how many build logs are kept per image key.
	KeepLogs int
	Prefetch int
	// StateDB is the build store: a SQLite file (one builder host), or a postgres:// or
	// postgresql:// URL without a password (builders on several hosts share it).
	StateDB string
	// Naming holds IMAGE_KEY and IMAGE_NAME: how image keys and image names are made.
	Naming event.Naming
	// StateDBPasswordFile holds the PostgreSQL password (its first line); empty: PGPASSFILE
	// or ~/.pgpass.
	StateDBPasswordFile string
	// LeaseTimeout is how long a build's lease lasts without a heartbeat: a builder that stops
	// renewing (killed, host down, cut off from the database) loses its builds to another
	// builder after this long. Heartbeats renew every LeaseTimeout/4.
	LeaseTimeout time.Duration
}

// Heartbeat is how often a builder renews the leases of its running builds.
func (b Builder) Heartbeat() time.Duration { return b.LeaseTimeout / 4 }

func readBuilder(r *reader, g Global, base string) Builder {
	// Absolute, because packer runs in the template's directory: a path relative to a
	// config given as "config.ini" would otherwise point elsewhere.
	if a, err := filepath.Abs(base); err == nil {
		base = a
	}
	g.StateDir = abs(base, g.StateDir)
	b := Builder{
		ThreadCount:         r.int("THREAD_COUNT", 4, 1, 256),
		LogDir:              abs(base, r.str("LOG_DIR", "/etc/packer-utils/log/")),
		BuildFileDir:        abs(base, r.str("BUILD_FILE_DIR", "/etc/packer-utils/build/")),
		PackerAuthFile:      abs(base, r.str("PACKER_AUTH_FILE", "")),
		AdminAuthFile:       abs(base, r.str("ADMIN_AUTH_FILE", "")),
		PackerTemplate:      abs(base, r.str("PACKER_TEMPLATE", "")),
		PackerTemplateMap:   abs(base, r.str("PACKER_TEMPLATE_MAP", "")),
		ImagesConfig:        abs(base, r.str("IMAGES_CONFIG", "/etc/packer-utils/source-images.json")),
		PackerPath:          r.str("PACKER_PATH", "packer"),
		BuildTimeout:        r.duration("BUILD_TIMEOUT", 3*time.Hour),
		StopGrace:           r.duration("STOP_GRACE", 5*time.Minute),
		KillGrace:           r.duration("KILL_GRACE", 2*time.Minute),
		KeepLogs:            r.int("KEEP_LOGS", 10, 1, 100000),
		Prefetch:            r.int("PREFETCH", 16, 1, 10000),
		StateDB:             r.str("STATE_DB", filepath.Join(g.StateDir, "builds.db")),
		LeaseTimeout:        r.duration("LEASE_TIMEOUT", 2*time.Minute),
		StateDBPasswordFile: abs(base, r.str("STATE_DB_PASSWORD_FILE", "")),
		Naming:              event.Naming{Key: r.str("IMAGE_KEY", ""), Name: r.str("IMAGE_NAME", "")},
	}
	for key, f := range map[string]string{"IMAGE_KEY": b.Naming.Key, "IMAGE_NAME": b.Naming.Name} {
		if err := event.CheckFormat(f); err != nil {
			r.problem(key, "%v", err)
		}
	}
	if !isDatabaseURL(b.StateDB) {
		b.StateDB = abs(base, b.StateDB)
	} else if u, err := url.Parse(b.StateDB); err != nil {
		r.problem("STATE_DB", "not a valid URL") // the error would quote the URL
	} else if _, set := u.User.Password(); set || u.Query().Has("password") {
		r.problem("STATE_DB", "the URL holds a password; put it in STATE_DB_PASSWORD_FILE or PGPASSFILE")
	}
	if b.LeaseTimeout < 4*time.Second {
		r.problem("LEASE_TIMEOUT", "%s is too short: heartbeats renew leases every quarter of it (at least 4s)", b.LeaseTimeout)
	}
	return b
}

// isDatabaseURL reports whether STATE_DB names a PostgreSQL database rather than a file.
func isDatabaseURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

func init() { extraChecks = append(extraChecks, checkTemplates) }

// TemplateSources names the files the builder's template set is loaded from.
func (b Builder) TemplateSources() templates.Sources {
	return templates.Sources{Map: b.PackerTemplateMap, Template: b.PackerTemplate, Images: b.ImagesConfig, Naming: b.Naming}
}

// checkTemplates loads the template map, the source images and every template, as the
// builder does at start and on reload, so check-config finds what would stop it.
func checkTemplates(c *Config) Problems {
	b := c.Builder
	if b.PackerTemplateMap == "" && b.PackerTemplate == "" {
		return nil // a host that only watches profiles
	}
	for _, p := range []string{b.PackerTemplateMap, b.PackerTemplate, b.ImagesConfig} {
		if _, err := os.Stat(p); p != "" && err != nil {
			return nil // Check already says the file is missing
		}
	}
	key := "PACKER_TEMPLATE_MAP"
	if b.PackerTemplateMap == "" {
		key = "PACKER_TEMPLATE"
	}
	var ps Problems
	for _, err := range templates.CheckAll(b.TemplateSources()) {
		ps = append(ps, Problem{File: c.Path, Section: "rabbit2packer", Key: key, Msg: err.Error()})
	}
	return ps
}
