package config

import (
	"net"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// Watch is the [cdb2rabbit] section: where the profiles are and how the watcher scans them.
type Watch struct {
	// Present is true when the file has a [cdb2rabbit] section; only then is PROFILE_INFO_URL
	// required (a builder-only host has no watcher).
	Present        bool
	ProfileInfoURL string
	// ProfileDirURL is where profiles are fetched from; it defaults to the directory of ProfileInfoURL.
	ProfileDirURL string
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
	// PublishTimeout bounds the publish phase of a scan, which runs to its end even when the
	// daemon is stopping (so a change fetched is not dropped half-published).
	PublishTimeout time.Duration
	// Schedule is a cron expression (robfig/cron, with descriptors like @hourly); empty disables it.
	Schedule string
	// UDPListen is the address for Aquilon's "cdb" notifications; empty disables the listener.
	UDPListen string
	// UDPAllow lists addresses or CIDRs allowed to trigger a scan; empty allows any.
	UDPAllow []*net.IPNet
	// IgnorePaths are slash paths ("/system/network/interfaces") removed from a profile before
	// its digest is taken, for parts that change on every compile without changing the image.
	IgnorePaths []string
	// LockTimeout is how long a scan waits for another one to finish.
	LockTimeout time.Duration
	// Auth are the profile server's credentials (PROFILE_USER, PROFILE_PASSWORD(_FILE),
	// PROFILE_NETRC, or a user:password in the URLs, which are stripped of it).
	Auth ProfileAuth
}

func readWatch(r *reader, base string) Watch {
	w := Watch{
		Present:        r.sec != nil,
		ProfileInfoURL: r.url("PROFILE_INFO_URL"),
		ProfileDirURL:  r.url("PROFILE_DIR_URL"),
		ProfileMatch:   r.str("PROFILE_MATCH", ""),
		CacheDir:       abs(base, r.str("CACHE_DIR", "/etc/packer-utils/profiles/")),
		Parallelism:    r.int("FETCH_PARALLELISM", 8, 1, 256),
		MaxProfileSize: r.size("MAX_PROFILE_SIZE", 64<<20),
		HTTPTimeout:    r.duration("HTTP_TIMEOUT", 60*time.Second),
		PublishTimeout: r.duration("PUBLISH_TIMEOUT", 2*time.Minute),
		Schedule:       r.str("SCHEDULE", "@every 1h"),
		UDPListen:      r.str("UDP_LISTEN", ":7777"),
		LockTimeout:    r.duration("LOCK_TIMEOUT", 10*time.Minute),
	}
	if w.ProfileDirURL == "" && w.ProfileInfoURL != "" {
		w.ProfileDirURL = dirURL(w.ProfileInfoURL)
	}
	w.Auth = readProfileAuth(r, &w, base)
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
	if w.UDPListen != "" {
		if _, err := net.ResolveUDPAddr("udp", w.UDPListen); err != nil {
			r.problem("UDP_LISTEN", "%q is not a host:port address: %v", w.UDPListen, err)
		}
	}
	for _, a := range r.list("UDP_ALLOW", nil) {
		n, ok := parseAllow(a)
		if !ok {
			r.problem("UDP_ALLOW", "%q is neither an IP address nor a CIDR", a)
			continue
		}
		w.UDPAllow = append(w.UDPAllow, n)
	}
	for _, p := range r.list("IGNORE_PATHS", nil) {
		clean := path.Clean("/" + strings.Trim(p, "/"))
		if clean == "/" {
			r.problem("IGNORE_PATHS", "%q would ignore the whole profile", p)
			continue
		}
		w.IgnorePaths = append(w.IgnorePaths, clean)
	}
	return w
}

// parseAllow reads one UDP_ALLOW entry: a CIDR, or a single address as a host-sized network.
func parseAllow(s string) (*net.IPNet, bool) {
	if _, n, err := net.ParseCIDR(s); err == nil {
		return n, true
	}
	ip := net.ParseIP(s)
	if ip == nil {
		return nil, false
	}
	if v4 := ip.To4(); v4 != nil {
		return &net.IPNet{IP: v4, Mask: net.CIDRMask(32, 32)}, true
	}
	return &net.IPNet{IP: ip, Mask: net.CIDRMask(128, 128)}, true
}

// dirURL is the URL of the directory holding u (the profiles sit next to their index).
func dirURL(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return ""
	}
	p.Path = path.Dir(p.Path) + "/"
	p.RawPath = ""
	p.RawQuery, p.Fragment = "", ""
	return p.String()
}

// Matches reports whether a profile name from the index is one the watcher cares about.
func (w Watch) Matches(name string) bool {
	if w.ProfileMatchRegex != nil {
		return w.ProfileMatchRegex.MatchString(name)
	}
	return strings.Contains(name, w.ProfileMatch)
}

// Allowed reports whether a UDP notification from ip may trigger a scan.
func (w Watch) Allowed(ip net.IP) bool {
	if len(w.UDPAllow) == 0 {
		return true
	}
	for _, n := range w.UDPAllow {
		if n.Contains(ip) {
			return true
		}
	}
	return false
}

func init() { extraChecks = append(extraChecks, checkWatch) }

// checkWatch is check-config's look at [cdb2rabbit]: the watcher cannot run without an index URL,
// and its cache directory must exist or be creatable.
func checkWatch(c *Config) Problems {
	w := c.Watch
	if !w.Present {
		return nil
	}
	var ps Problems
	add := func(key, msg string) {
		ps = append(ps, Problem{File: c.Path, Section: "cdb2rabbit", Key: key, Msg: msg})
	}
	if w.ProfileInfoURL == "" {
		add("PROFILE_INFO_URL", "is required by packuilon watch")
	}
	if st, err := os.Stat(w.CacheDir); err == nil {
		if !st.IsDir() {
			add("CACHE_DIR", w.CacheDir+" is not a directory")
		}
	} else if _, err := os.Stat(filepath.Dir(filepath.Clean(w.CacheDir))); err != nil {
		add("CACHE_DIR", w.CacheDir+" does not exist and cannot be created: "+err.Error())
	}
	for _, u := range []struct{ key, url string }{{"PROFILE_INFO_URL", w.ProfileInfoURL}, {"PROFILE_DIR_URL", w.ProfileDirURL}} {
		if p, err := url.Parse(u.url); err == nil && p.Scheme == "file" {
			ps = append(ps, c.missing("cdb2rabbit", u.key, p.Path)...)
		}
	}
	return ps
}
