package config

import (
	"regexp"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// Watch is the [cdb2rabbit] section: where the profiles are and how the watcher scans them.
type Watch struct {
	ProfileInfoURL string
	ProfileDirURL  string
	// ProfileMatch selects profiles by substring of their name (as cdb2rabbit did), or by
	// regular expression when ProfileMatchRegex is set.
	ProfileMatch      string
	ProfileMatchRegex *regexp.Regexp
	CacheDir          string
	// Parallelism bounds concurrent profile downloads.
	Parallelism int
	// MaxProfileSize is the largest profile body accepted, after decompression.
	MaxProfileSize int64
	HTTPTimeout    time.Duration
	// Schedule is a cron expression (robfig/cron, with descriptors like @hourly); empty disables it.
	Schedule string
	// UDPListen is the address for Aquilon's "cdb" notifications; empty disables the listener.
	UDPListen string
	// UDPAllow lists addresses or CIDRs allowed to trigger a scan; empty allows any.
	UDPAllow []string
	// IgnorePaths are slash paths removed from a profile before its digest is taken.
	IgnorePaths []string
	// LockTimeout is how long a scan waits for another one to finish.
	LockTimeout time.Duration
}

func readWatch(r *reader, base string) Watch {
	w := Watch{
		ProfileInfoURL: r.url("PROFILE_INFO_URL", false),
		ProfileDirURL:  r.url("PROFILE_DIR_URL", false),
		ProfileMatch:   r.str("PROFILE_MATCH", ""),
		CacheDir:       abs(base, r.str("CACHE_DIR", "/etc/packer-utils/profiles/")),
		Parallelism:    r.int("FETCH_PARALLELISM", 8, 1, 256),
		MaxProfileSize: r.size("MAX_PROFILE_SIZE", 64<<20),
		HTTPTimeout:    r.duration("HTTP_TIMEOUT", 60*time.Second),
		Schedule:       r.str("SCHEDULE", "@every 1h"),
		UDPListen:      r.str("UDP_LISTEN", ":7777"),
		UDPAllow:       r.list("UDP_ALLOW", nil),
		IgnorePaths:    r.list("IGNORE_PATHS", nil),
		LockTimeout:    r.duration("LOCK_TIMEOUT", 10*time.Minute),
	}
	if r.bool("PROFILE_MATCH_REGEX", false) {
		re, err := regexp.Compile(w.ProfileMatch)
		if err != nil {
			r.problem("PROFILE_MATCH", "not a regular expression: %v", err)
		}
		w.ProfileMatchRegex = re
	}
	if w.Schedule == "off" || w.Schedule == "none" {
		w.Schedule = ""
	}
	if w.Schedule != "" {
		if _, err := cron.ParseStandard(w.Schedule); err != nil {
			r.problem("SCHEDULE", "not a cron schedule: %v", err)
		}
	}
	if w.UDPListen == "off" || w.UDPListen == "none" {
		w.UDPListen = ""
	}
	return w
}

// Matches reports whether a profile name from the index is one the watcher cares about.
func (w Watch) Matches(name string) bool {
	if w.ProfileMatchRegex != nil {
		return w.ProfileMatchRegex.MatchString(name)
	}
	return strings.Contains(name, w.ProfileMatch)
}
