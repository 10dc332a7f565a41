package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/ini.v1"
)

// DefaultPath is where the old scripts read their configuration, and so does packuilon.
const DefaultPath = "/etc/packer-utils/config.ini"

// Config is the whole configuration of packuilon.
type Config struct {
	// Path is the file the configuration was read from.
	Path    string
	Global  Global
	Watch   Watch
	Builder Builder
	Promote Promote
	Rally   Rally
	Smoke   Smoke
	// Notify is [notify] with [global] SUCCESS_ADDRESS, FAILURE_ADDRESS and SLACK_SUCCESS_HOOK.
	Notify Notify
	// BuilderHTTP and WatchHTTP are HTTP_LISTEN (and HTTP_AUTH_FILE) of [rabbit2packer] and [cdb2rabbit].
	BuilderHTTP HTTP
	WatchHTTP   HTTP
	// Approval is [promote] REQUIRE_APPROVAL.
	Approval Approval
	// Notices are said at start and by check-config: old keys not used, promotion off, ...
	Notices []Notice
	// unknown are the sections and keys of the file Load never asked for (CheckFile reports them).
	unknown Problems
	// inherited are the keys sections took from [DEFAULT], whose problems name [DEFAULT].
	inherited inheritedKeys
	// written are the values with %(name)s references, whose messages show them as written.
	written writtenValues
	// load is the number of the load that read it (loadedValues.remember).
	load uint64
}

// Load reads and validates the configuration at path. The error, when not nil, is Problems:
// every problem found, each naming the file and key. Keys are matched case-insensitively, as
// Python's configparser did (section names are case-sensitive, as there); keys and sections
// Load does not know are not problems here (a daemon keeps starting), but CheckFile reports them.
func Load(path string) (*Config, error) {
	cfg, ps := load(path)
	if len(ps) > 0 {
		return nil, ps
	}
	return cfg, nil
}

// iniOptions are the old scripts' configparser conventions: "#" and ";" comments, "key =
// value" or "key: value", and a "\" at the end of a value is part of it (configparser has no
// backslash continuation: go-ini's would join the next line to a password ending in "\").
var iniOptions = ini.LoadOptions{IgnoreInlineComment: true, IgnoreContinuation: true, SkipUnrecognizableLines: false}

// load reads the configuration; cfg is nil only when the file cannot be read or parsed, else it
// holds the defaults in place of the values that are problems.
func load(path string) (*Config, Problems) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, Problems{{File: path, Msg: fmt.Sprintf("cannot read (user %s): %v", currentUser(), err)}}
	}
	// Keys as written (for [rally-tasks], whose keys are image keys, and to report unknown keys
	// as typed), and folded to lower case for every other lookup.
	ls := scan(path, data)
	asWritten, err := ls.load(iniOptions)
	if err != nil {
		return nil, ls.unreadable(err, iniOptions)
	}
	opts := iniOptions
	opts.InsensitiveKeys = true
	f, err := ls.load(opts)
	if err != nil {
		return nil, ls.unreadable(err, opts)
	}
	ps := ls.problems
	kn := known{}
	lay := newLayers(f)
	sec := func(name string) *reader {
		kn.add(name, "") // a section Load reads is known even when it has no keys yet
		r := &reader{file: path, name: name, problems: &ps, known: kn, layers: lay}
		from := f
		if freeSections[name] {
			from = asWritten
		}
		if s, err := from.GetSection(name); err == nil {
			r.sec = s
		}
		return r
	}
	cfg := &Config{Path: path, inherited: lay.inherited, written: lay.written}
	base := filepath.Dir(path)
	cfg.Global = readGlobal(sec("global"), base)
	cfg.Watch = readWatch(sec("cdb2rabbit"), base)
	cfg.Builder = readBuilder(sec("rabbit2packer"), cfg.Global, base)
	cfg.Promote = readPromote(sec("promote"), cfg.Builder, base)
	cfg.Rally = readRally(sec("rally-image-testing"), sec("rally-tasks"), base)
	cfg.Smoke = readSmoke(sec("smoke"), cfg.Rally, cfg.Promote, base)
	cfg.Notify = readNotify(sec("notify"), sec("global"), base)
	cfg.BuilderHTTP = readHTTP(sec("rabbit2packer"), "127.0.0.1:9780", base)
	cfg.WatchHTTP = readHTTP(sec("cdb2rabbit"), "127.0.0.1:9781", base)
	cfg.Approval = readApproval(sec("promote"))
	applyLegacy(cfg, sec)
	cfg.Notices = append(cfg.Notices, ls.quoteNotices()...)
	cfg.Notices = lay.inherited.locateNotices(lay.written.notices(cfg.Notices))
	cfg.unknown = append(keyBeforeSection(path, data), unknownKeys(path, asWritten, kn)...)
	cfg.load = loaded.remember(lay.written)
	return cfg, lay.inherited.locate(lay.written.problems(ps))
}

// AsProblems returns the problems in err, or nil if err is not from Load.
func AsProblems(err error) Problems {
	var ps Problems
	if errors.As(err, &ps) {
		return ps
	}
	return nil
}

// abs makes a relative path in the configuration relative to the configuration's directory,
// so a tree copied elsewhere (tests, the demo) works without editing every path.
func abs(base, p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(base, p)
}

// iniError describes a parse error of the INI data by line number only: go-ini's errors quote
// the line they stopped at (a line without "=", a quote not closed), which may be
// "PASSWORD secret" with its "=" forgotten. The line is the one after the longest start of the
// file that still parses, found by parsing shorter starts (only on this error path, and a
// configuration file is short).
func iniError(data []byte, opts ini.LoadOptions) string {
	lines := strings.SplitAfter(string(data), "\n")
	parses := func(n int) bool {
		_, err := ini.LoadSources(opts, []byte(strings.Join(lines[:n], "")))
		return err == nil
	}
	n := len(lines)
	for n > 1 && !parses(n-1) {
		n--
	}
	return fmt.Sprintf("not an INI file: line %d is not key = value, a [section] or a comment, or opens a quote it does not close (not shown: it may hold a secret)", n)
}
