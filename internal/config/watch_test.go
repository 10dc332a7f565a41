package config

import (
	"net"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestWatchDefaultsAndNewKeys(t *testing.T) {
	for _, tc := range []struct {
		name  string
		ini   string
		check func(t *testing.T, w Watch)
	}{
		{"defaults", "[cdb2rabbit]\nPROFILE_INFO_URL = http://aq/profiles/profiles-info.xml\n", func(t *testing.T, w Watch) {
			if w.ProfileDirURL != "http://aq/profiles/" {
				t.Errorf("PROFILE_DIR_URL defaults to %q, want the index's directory", w.ProfileDirURL)
			}
			if w.Parallelism != 8 || w.MaxProfileSize != 64<<20 || w.UDPListen != ":7777" || w.Schedule != "@every 1h" ||
				w.LockTimeout != 10*time.Minute || w.PublishTimeout != 2*time.Minute || w.HTTPTimeout != time.Minute {
				t.Errorf("defaults = %+v", w)
			}
			if !w.Allowed(net.ParseIP("203.0.113.9")) {
				t.Error("an empty UDP_ALLOW refuses")
			}
		}},
		{"new keys", `[cdb2rabbit]
PROFILE_INFO_URL = https://aq/p/profiles-info.xml.gz
PROFILE_MATCH = ^nubes.*\.template\.json
PROFILE_MATCH_REGEX = yes
FETCH_PARALLELISM = 3
MAX_PROFILE_SIZE = 2M
SCHEDULE = off
UDP_LISTEN = 127.0.0.1:7777
UDP_ALLOW = 130.246.0.0/16, 192.0.2.7
IGNORE_PATHS = system/aii/ , /metadata/template/compiled_at
LOCK_TIMEOUT = 30
`, func(t *testing.T, w Watch) {
			if !w.Matches("nubesvms.template.json") || w.Matches("xnubes.template.json") {
				t.Error("PROFILE_MATCH_REGEX is not a regexp match")
			}
			if w.Parallelism != 3 || w.MaxProfileSize != 2<<20 || w.Schedule != "" || w.LockTimeout != 30*time.Second {
				t.Errorf("watch = %+v", w)
			}
			if !w.Allowed(net.ParseIP("130.246.8.13")) || !w.Allowed(net.ParseIP("192.0.2.7")) || w.Allowed(net.ParseIP("192.0.2.8")) {
				t.Error("UDP_ALLOW does not select the listed addresses")
			}
			if want := []string{"/system/aii", "/metadata/template/compiled_at"}; !reflect.DeepEqual(w.IgnorePaths, want) {
				t.Errorf("IGNORE_PATHS = %q, want %q", w.IgnorePaths, want)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := Load(write(t, tc.ini))
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, cfg.Watch)
		})
	}
}

func TestWatchProblems(t *testing.T) {
	p := write(t, `[cdb2rabbit]
UDP_LISTEN = nowhere
UDP_ALLOW = 10.0.0.0/33, example.org
IGNORE_PATHS = /
FETCH_PARALLELISM = 0
LOCK_TIMEOUT = a while
`)
	_, err := Load(p)
	for _, key := range []string{"UDP_LISTEN", "UDP_ALLOW", "IGNORE_PATHS", "FETCH_PARALLELISM", "LOCK_TIMEOUT"} {
		if err == nil || !strings.Contains(err.Error(), p+": [cdb2rabbit] "+key+":") {
			t.Errorf("no problem for %s in:\n%v", key, err)
		}
	}
}

func TestCheckWatch(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		ini  string
		want []string
	}{
		{"no section, no watcher", "[global]\n", nil},
		{"good", "[cdb2rabbit]\nPROFILE_INFO_URL = http://aq/p/profiles-info.xml\nCACHE_DIR = " + dir + "/new\n", nil},
		{"missing url and cache parent", "[cdb2rabbit]\nCACHE_DIR = " + dir + "/a/b/c\n", []string{"[cdb2rabbit] PROFILE_INFO_URL: is required", "[cdb2rabbit] CACHE_DIR:"}},
		{"file url that does not exist", "[cdb2rabbit]\nPROFILE_INFO_URL = file://" + dir + "/nope/profiles-info.xml\nCACHE_DIR = " + dir + "\n",
			[]string{"[cdb2rabbit] PROFILE_INFO_URL:", "[cdb2rabbit] PROFILE_DIR_URL:"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := write(t, tc.ini)
			cfg, err := Load(p)
			if err != nil {
				t.Fatal(err)
			}
			ps := checkWatch(cfg)
			if len(ps) != len(tc.want) {
				t.Fatalf("problems = %v, want %d", ps, len(tc.want))
			}
			for i, w := range tc.want {
				if !strings.HasPrefix(ps[i].Error(), filepath.Clean(p)+": "+w) {
					t.Errorf("problem %q, want %q", ps[i].Error(), w)
				}
			}
		})
	}
}
