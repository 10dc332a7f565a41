package testenv

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/ini.v1"
)

// The services must read nothing of the host's configuration (issue 8): on a machine where
// /etc/keystone has leftovers of an earlier install, a config that falls back to a default
// under /etc passes, and the same tests fail on a fresh machine. These tests make that visible
// on any machine; .ci/run additionally runs the suite with those directories hidden
// (scripts/fresh-check.sh).

// TestGeneratedConfigsNamePrivatePathsOnly reads every configuration file the services were
// given and fails on any absolute path outside the service's private directory, except the
// packages' own code under /usr.
func TestGeneratedConfigsNamePrivatePathsOnly(t *testing.T) {
	o, _, rl := SharedRally(t)
	rmq := SharedRabbit(t)
	for _, dir := range []string{o.Dir, rl.Dir, rmq.Dir} {
		files := configFiles(t, dir)
		if len(files) == 0 {
			t.Fatalf("no configuration files found in %s", dir)
		}
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range absPaths(withoutComments(string(data))) {
				if !private(p, dir) {
					t.Errorf("%s names %s, outside its private directory %s", f, p, dir)
				}
			}
		}
	}
}

// TestEveryPathDefaultIsOverridden asks the installed Keystone and Glance (oslo-config-generator)
// for every option whose default is a host path or a file name looked up in /etc, and fails
// for each one the generated configuration leaves at its default. This is what catches an
// option such as [fernet_receipts] key_repository on a machine that has /etc/keystone.
func TestEveryPathDefaultIsOverridden(t *testing.T) {
	Need(t, "oslo-config-generator")
	o := SharedOpenStack(t)
	services := []struct {
		conf       string
		namespaces []string
	}{
		{o.keystonePath("keystone.conf"), []string{"keystone", "oslo.policy", "oslo.log", "oslo.middleware", "oslo.concurrency"}},
		{o.glancePath("glance-api.conf"), []string{"glance.api", "glance.store", "oslo.policy", "oslo.log", "oslo.middleware",
			"oslo.concurrency", "keystonemiddleware.auth_token"}},
	}
	for _, s := range services {
		args := []string{}
		for _, n := range s.namespaces {
			args = append(args, "--namespace", n)
		}
		bin, err := lookPath("oslo-config-generator")
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(bin, args...)
		cmd.Env = systemPathEnv()
		sample, err := cmd.Output()
		if err != nil {
			t.Fatalf("oslo-config-generator %v: %v", s.namespaces, err)
		}
		defaults := pathDefaults(sample)
		if len(defaults) == 0 {
			t.Fatalf("oslo-config-generator %v listed no path options: the check would prove nothing", s.namespaces)
		}
		data, err := os.ReadFile(s.conf)
		if err != nil {
			t.Fatal(err)
		}
		set, err := iniKeys(data)
		if err != nil {
			t.Fatalf("%s: %v", s.conf, err)
		}
		for _, d := range defaults {
			if !set[d.key] {
				section, opt, _ := strings.Cut(d.key, " ")
				t.Errorf("%s leaves [%s] %s at its default %s, on the host", s.conf, section, opt, d.value)
			}
		}
	}
}

// hostDefault is an option whose default points at the host ("section option") .
type hostDefault struct{ key, value string }

var (
	sampleOption = regexp.MustCompile(`^#([a-z0-9_]+) = (.+)$`)
	lookedUpName = regexp.MustCompile(`^[\w.-]+\.(conf|json|yaml|ini|xml|html)$`)
)

// notHostPaths are options whose default looks like a path but names no file of this machine:
// a URL path, a directory on a VMware datastore.
var notHostPaths = map[string]bool{"healthcheck path": true, "glance_store vmware_store_image_dir": true}

// pathDefaults parses an oslo-config-generator sample for options whose default is an absolute
// path, a file:// URL or a bare file name (which oslo.config looks up in /etc/<project>). The
// system CA bundle (/etc/ssl) is no service configuration and is left out.
func pathDefaults(sample []byte) []hostDefault {
	var out []hostDefault
	section := "DEFAULT"
	sc := bufio.NewScanner(bytes.NewReader(sample))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
			section = strings.Trim(line, "[]")
			continue
		}
		m := sampleOption.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		v := m[2]
		host := strings.HasPrefix(v, "/") || strings.HasPrefix(v, "file://") || lookedUpName.MatchString(v)
		key := section + " " + m[1]
		if host && !strings.HasPrefix(v, "/etc/ssl/") && !notHostPaths[key] {
			out = append(out, hostDefault{key, v})
		}
	}
	return out
}

// iniKeys is the set of "section option" an INI file sets.
func iniKeys(data []byte) (map[string]bool, error) {
	f, err := ini.Load(data)
	if err != nil {
		return nil, err
	}
	set := map[string]bool{}
	for _, sec := range f.Sections() {
		for _, k := range sec.Keys() {
			set[sec.Name()+" "+k.Name()] = true
		}
	}
	return set, nil
}

// configFiles lists the files under dir that configure a service: everything but logs,
// databases, broker state and image data.
func configFiles(t *testing.T, dir string) []string {
	t.Helper()
	skipDirs := map[string]bool{"log": true, "mnesia": true, "home": true, "images": true, "staging": true, "tasks": true,
		"fernet-keys": true, "receipt-keys": true, "credential-keys": true, "lock": true}
	var files []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if skipDirs[d.Name()] {
				return filepath.SkipDir
			}
			return nil
		}
		switch filepath.Ext(p) {
		case ".db", ".db-wal", ".db-shm", ".pid", ".out", ".log":
			return nil
		}
		files = append(files, p)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

var (
	fileURL = regexp.MustCompile(`(sqlite:///|file://)`)
	anyURL  = regexp.MustCompile(`[a-z][a-z0-9+.-]*://[^\s"',]*`)
	absPath = regexp.MustCompile(`(?:^|[\s="'\[(,])(/[A-Za-z0-9_.@+/-]*)`)
)

// absPaths returns the absolute paths a configuration text names, including those in
// sqlite:/// and file:// URLs; other URLs (http://127.0.0.1:port/v3) are not paths.
func absPaths(text string) []string {
	text = fileURL.ReplaceAllString(text, " ")
	text = anyURL.ReplaceAllString(text, " ")
	var out []string
	for _, m := range absPath.FindAllStringSubmatch(text, -1) {
		out = append(out, m[1])
	}
	return out
}

// private reports whether p is under dir, package code under /usr, /dev/null, or one of the
// URL-map keys of a paste pipeline ("/", "/v2").
func private(p, dir string) bool {
	p = filepath.Clean(p)
	switch {
	case p == dir || strings.HasPrefix(p, dir+"/"):
		return true
	case strings.HasPrefix(p, "/usr/"), p == "/dev/null":
		return true
	case p == "/" || p == "/v2":
		return true
	}
	return false
}

// TestServiceProcessesHavePrivateEnvironment reads the environment of the running Keystone,
// Glance and RabbitMQ processes (and their children): HOME and every RABBITMQ_* or OS_*
// variable naming a path must point into the private directory, so nothing is looked up in
// the caller's ~/.keystone, ~/.glance, /etc/rabbitmq or /var/lib/rabbitmq.
func TestServiceProcessesHavePrivateEnvironment(t *testing.T) {
	o := SharedOpenStack(t)
	rmq := SharedRabbit(t)
	groups := map[int]string{o.keystone.cmd.Process.Pid: o.Dir, rmq.server.Process.Pid: rmq.Dir}
	o.glanceMu.Lock()
	groups[o.glance.cmd.Process.Pid] = o.Dir
	o.glanceMu.Unlock()
	checked := 0
	for _, pid := range processesInGroups(t, groups) {
		dir := groups[pgid(pid)]
		environ, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "environ"))
		if err != nil {
			continue // exited meanwhile
		}
		for _, kv := range strings.Split(string(environ), "\x00") {
			k, v, _ := strings.Cut(kv, "=")
			if k == "HOME" || strings.HasPrefix(k, "RABBITMQ_") || strings.HasPrefix(k, "OS_") {
				if strings.HasPrefix(v, "/") && !private(v, dir) {
					t.Errorf("process %d has %s=%s, outside %s", pid, k, v, dir)
				}
				if k == "HOME" {
					checked++
				}
			}
		}
	}
	if checked < len(groups) {
		t.Fatalf("read HOME of %d processes, want at least %d", checked, len(groups))
	}
}

// processesInGroups lists the processes whose process group is one of groups' keys.
func processesInGroups(t *testing.T, groups map[int]string) []int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if _, ok := groups[pgid(pid)]; ok {
			pids = append(pids, pid)
		}
	}
	return pids
}

// pgid is the process group of pid, from /proc/<pid>/stat (-1 when unknown).
func pgid(pid int) int {
	stat, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return -1
	}
	// "pid (comm) state ppid pgrp ...": comm may hold spaces, so count from the last ')'.
	fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
	if len(fields) < 3 {
		return -1
	}
	n, err := strconv.Atoi(fields[2])
	if err != nil {
		return -1
	}
	return n
}

// withoutComments drops the lines that are comments in INI, uwsgi and Erlang files.
func withoutComments(text string) string {
	var b strings.Builder
	for _, line := range strings.Split(text, "\n") {
		l := strings.TrimSpace(line)
		if strings.HasPrefix(l, "#") || strings.HasPrefix(l, ";") || strings.HasPrefix(l, "%") {
			continue
		}
		b.WriteString(line + "\n")
	}
	return b.String()
}
