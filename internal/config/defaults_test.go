package config

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/ini.v1"
)

// siteWithDefaults is a config.ini as a site could have written it for the old scripts
// (SafeConfigParser): the broker set once in [DEFAULT], a shared LOG_DIR that [rabbit2packer]
// overrides, a helper key used only in %(...)s references, and "%%" for a literal "%".
const siteWithDefaults = `[DEFAULT]
RABBIT_HOST = rabbit.example.org
RABBIT_USER = packer
RABBIT_PW = Dflt-pw%%77
LOG_DIR = /var/log/packer-utils
etc = /srv/packer-utils

[global]
QUEUE = build-queue
RABBIT_PORT = 5672

[cdb2rabbit]
PROFILE_INFO_URL = http://aquilon.example.org/profiles/profiles-info.xml
PROFILE_MATCH = .testing.internal.json
CACHE_DIR = %(etc)s/profiles/

[rabbit2packer]
THREAD_COUNT = 2
LOG_DIR = %(ETC)s/log/
BUILD_FILE_DIR = %(etc)s/build/

[rally-image-testing]
DEPLOYMENT_UUID = 2b0d1d5e-8a3f-4c62-9f1b-6a0f3c2e7d11

[rally-tasks]
DEFAULT = boot.yaml
sl7.managed = managed.yaml

[promote]
DATE_FORMAT = %Y%m%d
`

// TestDefaultSectionInherited: every section sees [DEFAULT]'s keys unless it sets them itself,
// %(name)s is replaced from the section or [DEFAULT] and %% is a "%" (the old scripts'
// SafeConfigParser); a "%" before anything else stays (DATE_FORMAT); [rally-tasks] lists image
// keys only, its DEFAULT key included, and the helper key of [DEFAULT] is no unknown key.
func TestDefaultSectionInherited(t *testing.T) {
	path := write(t, siteWithDefaults)
	cfg, ps := CheckFile(path)
	if cfg == nil {
		t.Fatal(ps)
	}
	for _, p := range ps {
		if p.Section == "DEFAULT" || strings.Contains(p.Msg, "unknown") {
			t.Errorf("problem: %v", p)
		}
	}
	g := cfg.Global
	if g.RabbitHost != "rabbit.example.org" || g.RabbitUser != "packer" || g.RabbitPW != "Dflt-pw%77" || g.RabbitPort != 5672 {
		t.Errorf("[global] from [DEFAULT]: host %q user %q pw %q port %d", g.RabbitHost, g.RabbitUser, g.RabbitPW, g.RabbitPort)
	}
	if cfg.Builder.LogDir != "/srv/packer-utils/log/" || cfg.Builder.BuildFileDir != "/srv/packer-utils/build/" {
		t.Errorf("[rabbit2packer] LOG_DIR %q BUILD_FILE_DIR %q", cfg.Builder.LogDir, cfg.Builder.BuildFileDir)
	}
	if cfg.Rally.LogDir != "/var/log/packer-utils" {
		t.Errorf("[rally-image-testing] LOG_DIR %q, want [DEFAULT]'s", cfg.Rally.LogDir)
	}
	if cfg.Watch.CacheDir != "/srv/packer-utils/profiles/" {
		t.Errorf("[cdb2rabbit] CACHE_DIR %q", cfg.Watch.CacheDir)
	}
	if cfg.Promote.DateFormat != "%Y%m%d" {
		t.Errorf("DATE_FORMAT %q", cfg.Promote.DateFormat)
	}
	dir := filepath.Dir(path)
	want := map[string]string{DefaultTaskKey: filepath.Join(dir, "boot.yaml"), "sl7.managed": filepath.Join(dir, "managed.yaml")}
	if len(cfg.Rally.Tasks) != len(want) {
		t.Errorf("rally tasks %v, want %v", cfg.Rally.Tasks, want)
	}
	for k, v := range want {
		if cfg.Rally.Tasks[k] != v {
			t.Errorf("rally task %s = %q, want %q", k, cfg.Rally.Tasks[k], v)
		}
	}
}

// TestDefaultSectionProblems: a problem of a value [global] inherits names [DEFAULT] (and who
// read it); a bad value in [DEFAULT] that every section overrides is no problem (configparser
// never reads it); a key of [DEFAULT] that no section reads is reported once, naming
// [DEFAULT]; a %(name)s that names nothing is a problem that does not show the secret.
func TestDefaultSectionProblems(t *testing.T) {
	const pw = "Dflt-secret-91"
	path := write(t, `[DEFAULT]
RABBIT_PORT = seventy
RABIT_USER = packer
THREAD_COUNT = lots
RABBIT_PW = `+pw+`%(nope)s
RABBIT_CA_FILE = ca.pem

[global]
QUEUE = q

[rabbit2packer]
THREAD_COUNT = 2
`)
	_, ps := CheckFile(path)
	got := ps.Error()
	if strings.Contains(got, pw) {
		t.Errorf("the password is shown:\n%s", got)
	}
	for _, want := range []string{
		path + `: [DEFAULT] RABBIT_PORT: "seventy" is not a whole number (inherited by [global])`,
		path + ": [DEFAULT] RABIT_USER: unknown key (no section reads it); did you mean RABBIT_USER?",
		path + ": [DEFAULT] RABBIT_PW: ",
		path + ": [DEFAULT] RABBIT_CA_FILE: ",
	} {
		if n := strings.Count(got, want); n != 1 {
			t.Errorf("%q found %d times in\n%s", want, n, got)
		}
	}
	for _, not := range []string{"THREAD_COUNT", "[global] RABBIT"} {
		if strings.Contains(got, not) {
			t.Errorf("%q reported:\n%s", not, got)
		}
	}
	if len(strings.Split(got, "\n")) != len(ps) {
		t.Errorf("not one problem per line:\n%s", got)
	}
}

// TestInterpolate is BasicInterpolation: references in any case, nested, %% for "%", and the
// errors of a reference to nothing, an unclosed one and a loop; a lone "%" stays.
func TestInterpolate(t *testing.T) {
	if ini.DefaultSection != defaultSection {
		t.Fatalf("go-ini's default section is %q", ini.DefaultSection)
	}
	keys := map[string]string{"etc": "/srv/%(name)s", "name": "pu", "pct": "100%%", "self": "%(self)s"}
	ref := func(name string) (string, bool) { v, ok := keys[strings.ToLower(name)]; return v, ok }
	for in, want := range map[string]string{
		"%(ETC)s/log/": "/srv/pu/log/", "%(pct)s and %%(etc)s": "100% and %(etc)s",
		"%Y-%m-%d": "%Y-%m-%d", "50%": "50%", "": "",
	} {
		if got, err := interpolate(in, ref); err != nil || got != want {
			t.Errorf("%q: %q, %v; want %q", in, got, err, want)
		}
	}
	for in, want := range map[string]error{"%(nope)s": errNoReference, "%(etc)": errBadReference, "%()s": errBadReference, "%(self)s": errTooDeep} {
		if _, err := interpolate(in, ref); err != want {
			t.Errorf("%q: error %v, want %v", in, err, want)
		}
	}
}

// TestDefaultSectionAndOldKeys: an old key that a section inherits from [DEFAULT] (QUEUE, read
// by the first cdb2rabbit) does not clash with the new key its section sets itself; an old key
// not used is noted once, at [DEFAULT]; [default] is pointed to [DEFAULT].
func TestDefaultSectionAndOldKeys(t *testing.T) {
	path := write(t, `[DEFAULT]
QUEUE = from-default
RALLY_CODE_FOLDER = /opt/rally

[global]
QUEUE = build-queue

[cdb2rabbit]
PROFILE_INFO_URL = http://aquilon.example.org/profiles/profiles-info.xml

[rally-image-testing]
LOG_DIR = /var/log/rally

[default]
RABBIT_HOST = h
`)
	cfg, ps := CheckFile(path)
	if cfg == nil {
		t.Fatal(ps)
	}
	if cfg.Global.Queue != "build-queue" {
		t.Errorf("QUEUE %q", cfg.Global.Queue)
	}
	got := ps.Error()
	if strings.Contains(got, "QUEUE") || !strings.Contains(got, "[default]: unknown section; did you mean [DEFAULT]?") {
		t.Errorf("problems:\n%s", got)
	}
	var notes []string
	for _, n := range cfg.Notices {
		if strings.Contains(n.String(), "RALLY_CODE_FOLDER") {
			notes = append(notes, n.String())
		}
	}
	if len(notes) != 1 || !strings.Contains(notes[0], "[DEFAULT] RALLY_CODE_FOLDER: not used") || !strings.Contains(notes[0], "(inherited by [rally-image-testing])") {
		t.Errorf("notes %q", notes)
	}
}

// TestKeyAboveFirstSection: a key above the first section, which configparser refused, is read
// as a [DEFAULT] key and check-config names its line without showing it.
func TestKeyAboveFirstSection(t *testing.T) {
	path := write(t, "# broker\n\nRABBIT_PW = Top-secret-3\n[global]\n")
	cfg, ps := CheckFile(path)
	if cfg == nil || cfg.Global.RabbitPW != "Top-secret-3" {
		t.Fatalf("cfg %v, problems %v", cfg, ps)
	}
	if got := ps.Error(); !strings.Contains(got, path+": line 3 is a key above the first [section]") || strings.Contains(got, "Top-secret") {
		t.Errorf("problems:\n%s", got)
	}
	if _, ps := CheckFile(write(t, "\ufeff; comment\n[DEFAULT]\nRABBIT_PW = x\n[global]\n")); len(ps) != 0 {
		t.Errorf("problems: %v", ps)
	}
}

// TestInterpolateDepthIsConfigparsers: Python's BasicInterpolation goes one level deeper only
// into a referenced value that holds a "%", and refuses depth 11: a value whose references
// chain through nine keys to a plain one is read (configparser: "xend"), one more is too deep.
func TestInterpolateDepthIsConfigparsers(t *testing.T) {
	chain := func(n int) func(string) (string, bool) {
		return func(name string) (string, bool) {
			var i int
			if _, err := fmt.Sscanf(name, "a%d", &i); err != nil || i > n {
				return "", false
			}
			switch {
			case i == n:
				return "end", true
			case i == 0:
				return "x%(a1)s", true
			}
			return fmt.Sprintf("%%(a%d)s", i+1), true
		}
	}
	if got, err := interpolate("%(a0)s", chain(9)); err != nil || got != "xend" {
		t.Errorf("nine keys deep: %q, %v; want \"xend\" as configparser", got, err)
	}
	if _, err := interpolate("%(a0)s", chain(10)); err != errTooDeep {
		t.Errorf("ten keys deep: %v, want %v as configparser", err, errTooDeep)
	}
}
