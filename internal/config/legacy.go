package config

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/packuilon/packuilon/internal/redact"
)

// The keys of the old scripts' config.ini (every generation of cdb2rabbit, rabbit2packer,
// rename-old-images and the Rally scripts). Each one either takes effect, possibly under
// another name, or is reported as a Notice at start and by check-config, with what replaces it:
// a site that switches never loses a setting without being told.

// Notice is something about the configuration that stops nothing but must be said at start
// and by check-config: a key of the old scripts that packuilon does not use, or a setting
// whose consequence is easy to miss.
type Notice struct {
	File    string
	Section string
	Key     string
	Msg     string
	// Builder is true when the notice concerns only hosts that build (the watcher does not log it).
	Builder bool
}

// String prints "file: [section] KEY: message".
func (n Notice) String() string {
	return Problem{File: n.File, Section: n.Section, Key: n.Key, Msg: n.Msg}.Error()
}

// legacyAlias is an old key read as a new one when the new one is not set.
type legacyAlias struct {
	section, key       string
	newSection, newKey string
}

// legacyAliases take effect. [rabbit2packer] PACKER_ADMIN_AUTH is the admin openrc of the
// config.ini of the last release; rename-old-images.py read PACKER_ADMIN_AUTH_FILE; the first
// cdb2rabbit had its own QUEUE and QUEUE_HOST.
var legacyAliases = []legacyAlias{
	{"rabbit2packer", "PACKER_ADMIN_AUTH", "rabbit2packer", "ADMIN_AUTH_FILE"},
	{"rabbit2packer", "PACKER_ADMIN_AUTH_FILE", "rabbit2packer", "ADMIN_AUTH_FILE"},
	{"cdb2rabbit", "QUEUE", "global", "QUEUE"},
	{"cdb2rabbit", "QUEUE_HOST", "global", "RABBIT_HOST"},
}

// legacyUnused are old keys with no effect, and what does their job now.
var legacyUnused = []struct{ section, key, instead string }{
	{"rally-image-testing", "RALLY_CODE_FOLDER", "packuilon runs rally itself (execute-image-test.sh is not needed); " +
		"the program and its configuration are [rally-image-testing] RALLY_PATH and RALLY_CONFIG"},
	{"rally-image-testing", "TASK_UUID_EXTRACTION", "packuilon finds its rally task by the build's tag"},
	{"rally-image-testing", "UUID_FILE", "packuilon finds its rally task by the build's tag"},
	{"rally-image-testing", "RALLY_JSON_RESULTS", "the rally report is kept beside the build log"},
	{"global", "FLAVOR_NAME", "the flavor packer builds with is set in the template; the smoke test's is [rally-image-testing] FLAVOR or [smoke] BOOT_FLAVOR"},
	{"global", "NETWORK_ID", "the network packer builds on is set in the template; the smoke test's is [rally-image-testing] NETWORK or [smoke] BOOT_NETWORK"},
}

// LegacyKeys lists every old key that Load knows, as "section KEY" (aliases and unused keys
// alike), so a check for unknown keys does not call them typos.
func LegacyKeys() []string {
	var out []string
	for _, a := range legacyAliases {
		out = append(out, a.section+" "+a.key)
	}
	for _, u := range legacyUnused {
		out = append(out, u.section+" "+u.key)
	}
	return out
}

// applyLegacy reads the old keys present in the file: aliases fill their new key when it is
// not set (two different values are a problem), unused keys become notices.
func applyLegacy(cfg *Config, sec func(string) *reader) {
	for _, a := range legacyAliases {
		old := sec(a.section)
		v := old.raw(a.key)
		if v == "" {
			continue
		}
		cur := sec(a.newSection).raw(a.newKey)
		shownCur := sec(a.newSection).shown(a.newKey, cur) // the clash is said at the old key: cur's references are not its own
		if cur != "" && cur != v && old.inherits(a.key) {
			continue // [DEFAULT]'s value; the section of the new key sets its own
		}
		if cur != "" && cur != v {
			old.problem(a.key, "is an old name of [%s] %s, which is set to something else (%q): keep one", a.newSection, a.newKey, redact.URL(shownCur))
			continue
		}
		if cur != "" {
			continue
		}
		base := filepath.Dir(cfg.Path)
		switch a.newKey {
		case "ADMIN_AUTH_FILE":
			cfg.Builder.AdminAuthFile = abs(absDir(base), v)
			if sec("promote").raw("ADMIN_AUTH_FILE") == "" {
				cfg.Promote.AuthFile = cfg.Builder.AdminAuthFile
				cfg.Promote.AuthFileSection, cfg.Promote.AuthFileKey = a.section, a.key
			}
			if sec("smoke").raw("AUTH_FILE") == "" {
				cfg.Smoke.AuthFile = cfg.Promote.AuthFile
			}
		case "QUEUE":
			cfg.Global.Queue = v
			if !validQueueName(v) {
				old.problem(a.key, "%q is not a usable queue name", v)
			}
		case "RABBIT_HOST":
			cfg.Global.RabbitHost = v
		}
		cfg.Notices = append(cfg.Notices, Notice{File: cfg.Path, Section: a.section, Key: a.key,
			Msg: fmt.Sprintf("old name, read as [%s] %s (rename it when the old scripts are gone)", a.newSection, a.newKey)})
	}
	for _, u := range legacyUnused {
		if sec(u.section).lines(u.key) == "" { // not read: its lines do not matter
			continue
		}
		cfg.Notices = append(cfg.Notices, Notice{File: cfg.Path, Section: u.section, Key: u.key, Builder: true,
			Msg: "not used: " + u.instead})
	}
	if st, err := os.Stat(cfg.Builder.PackerPath); err == nil && st.IsDir() {
		dir := cfg.Builder.PackerPath
		cfg.Builder.PackerPath = filepath.Join(dir, "packer")
		cfg.Notices = append(cfg.Notices, Notice{File: cfg.Path, Section: "rabbit2packer", Key: "PACKER_PATH", Builder: true,
			Msg: fmt.Sprintf("%s is a directory: running %s", dir, cfg.Builder.PackerPath)})
	}
	if n, ok := promotionNotice(cfg); ok {
		cfg.Notices = append(cfg.Notices, n)
	}
}

// promotionNotice is said when [promote] ENABLED = auto will promote nothing because there
// are no credentials: no admin auth file, and neither OS_CLOUD nor OS_AUTH_URL in the
// environment. Candidates are then built and tested, and the previous images stay.
func promotionNotice(cfg *Config) (Notice, bool) {
	if cfg.Promote.Enabled != PromoteAuto || cfg.Promote.AuthFile != "" || os.Getenv("OS_CLOUD") != "" || os.Getenv("OS_AUTH_URL") != "" {
		return Notice{}, false
	}
	if cfg.Builder.PackerTemplateMap == "" && cfg.Builder.PackerTemplate == "" {
		return Notice{}, false // no builds here
	}
	return Notice{File: cfg.Path, Section: "promote", Key: "ENABLED", Builder: true,
		Msg: "PROMOTION IS OFF: ENABLED = auto and there are no image admin credentials " +
			"([promote] ADMIN_AUTH_FILE, [rabbit2packer] ADMIN_AUTH_FILE or PACKER_ADMIN_AUTH, OS_CLOUD or OS_AUTH_URL); " +
			"new images stay candidates. Name the admin openrc file, or set ENABLED = false to say this is meant"}, true
}

// absDir is dir made absolute (as readBuilder does), unchanged if that fails.
func absDir(dir string) string {
	if a, err := filepath.Abs(dir); err == nil {
		return a
	}
	return dir
}
