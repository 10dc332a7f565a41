package testenv

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/ini.v1"
)

// SiteOptions describe a complete /etc/packer-utils-style tree pointing at local services.
type SiteOptions struct {
	Rabbit   *Rabbit
	Queue    string
	Profiles *ProfileServer
	// ProfileMatch is the PROFILE_MATCH substring.
	ProfileMatch string
	// OpenStack, when set, gives the packer and admin openrc files; without it the template
	// must not need OpenStack (e.g. the null builder).
	OpenStack *OpenStack
	// SourceImages is the flat IMAGES_CONFIG map ("sl7x-x86_64" → image id).
	SourceImages map[string]string
	// Template is the DEFAULT packer template (legacy JSON with $NAME, $IMAGE, $METADATA).
	Template string
	// Smoke is the [smoke] METHOD: none, boot or rally.
	Smoke string
	// Promote is the [promote] ENABLED value: auto, true or false.
	Promote     string
	ThreadCount int
	// Extra holds more sections and keys, merged into config.ini's text: a key it sets replaces
	// the line of that key, a new key goes at the end of its section, a new section at the end.
	Extra string
}

// OpenStackTemplate is a legacy JSON template for packer's openstack builder without a
// communicator, as the demo and end-to-end tests use against the Nova simulator.
const OpenStackTemplate = `{
  "builders": [
    {
      "type": "openstack",
      "communicator": "none",
      "image_name": "$NAME",
      "source_image": "$IMAGE",
      "flavor": "m1.tiny",
      "instance_metadata": { $METADATA },
      "metadata": { $METADATA }
    }
  ]
}
`

// WriteSite writes config.ini, template-map.json, source-images.json, templates/default.json
// and the openrc files into dir, in the original layout, and returns the config.ini path.
func WriteSite(dir string, o SiteOptions) (string, error) {
	for _, sub := range []string{"templates", "log", "build", "profiles", "state"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o700); err != nil {
			return "", err
		}
	}
	files := map[string]string{"templates/default.json": o.Template}
	maps := map[string]any{
		"template-map.json":  map[string][]string{"DEFAULT": {filepath.Join(dir, "templates/default.json")}},
		"source-images.json": o.SourceImages,
	}
	for name, v := range maps {
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return "", err
		}
		files[name] = string(b) + "\n"
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			return "", err
		}
	}
	auth := ""
	if o.OpenStack != nil {
		for _, name := range []string{"packer-auth.sh", "admin-auth.sh"} {
			if err := o.OpenStack.WriteOpenRC(filepath.Join(dir, name), o.OpenStack.Admin); err != nil {
				return "", err
			}
		}
		auth = "PACKER_AUTH_FILE = packer-auth.sh\nADMIN_AUTH_FILE = admin-auth.sh\n"
	}
	threads := o.ThreadCount
	if threads == 0 {
		threads = 2
	}
	var b strings.Builder
	g := o.Rabbit.Global(o.Queue)
	fmt.Fprintf(&b, "[global]\nQUEUE = %s\nRABBIT_HOST = %s\nRABBIT_PORT = %d\nRABBIT_USER = %s\nRABBIT_PW = %s\nSTATE_DIR = state\n\n",
		g.Queue, g.RabbitHost, g.RabbitPort, g.RabbitUser, g.RabbitPW)
	fmt.Fprintf(&b, "[cdb2rabbit]\nPROFILE_INFO_URL = %s\nPROFILE_DIR_URL = %s\nPROFILE_MATCH = %s\nCACHE_DIR = profiles\nUDP_LISTEN = off\nHTTP_LISTEN = off\n\n",
		o.Profiles.IndexURL(), o.Profiles.DirURL(), o.ProfileMatch)
	fmt.Fprintf(&b, "[rabbit2packer]\nTHREAD_COUNT = %d\nLOG_DIR = log\nBUILD_FILE_DIR = build\n%sPACKER_TEMPLATE_MAP = template-map.json\nIMAGES_CONFIG = source-images.json\nPACKER_PATH = /usr/bin/packer\nSTOP_GRACE = 30s\nKILL_GRACE = 20s\nHTTP_LISTEN = off\n\n",
		threads, auth)
	if o.Promote != "" {
		fmt.Fprintf(&b, "[promote]\nENABLED = %s\n\n", o.Promote)
	}
	if o.Smoke != "" {
		fmt.Fprintf(&b, "[smoke]\nMETHOD = %s\nBOOT_TIMEOUT = 2m\n\n", o.Smoke)
	}
	text, err := withExtra(b.String(), o.Extra)
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "config.ini")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		return "", err
	}
	return path, nil
}

// withExtra is base with the sections and keys of extra, a key of extra replacing base's line
// for it (a section or key given twice is a problem for packuilon, as it was for configparser).
// base's other lines stay as written: tests edit the file as text.
func withExtra(base, extra string) (string, error) {
	if extra == "" {
		return base, nil
	}
	// Values as written: go-ini would otherwise strip surrounding quotes and join a line ending
	// in a backslash with the next (packuilon, like configparser, does neither).
	x, err := ini.LoadSources(ini.LoadOptions{IgnoreInlineComment: true, PreserveSurroundedQuote: true, IgnoreContinuation: true}, []byte(extra))
	if err != nil {
		return "", fmt.Errorf("site extra: %w", err)
	}
	lines := strings.Split(strings.TrimRight(base, "\n"), "\n")
	for _, xs := range x.Sections() {
		for _, k := range xs.Keys() {
			lines = setKey(lines, xs.Name(), k.Name(), k.Value())
		}
	}
	return strings.Join(lines, "\n") + "\n", nil
}

// setKey sets key = value in section of the ini lines: on the key's line when the section has
// one, else at the end of the section, else in a new section at the end.
func setKey(lines []string, section, key, value string) []string {
	line := key + " = " + value
	in, end := false, -1 // end: after the section's last non-empty line
	for i, l := range lines {
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, "[") {
			if in {
				break
			}
			in = t == "["+section+"]"
			if in {
				end = i + 1
			}
			continue
		}
		if !in || t == "" {
			continue
		}
		end = i + 1
		if name, _, ok := strings.Cut(t, "="); ok && strings.EqualFold(strings.TrimSpace(name), key) {
			lines[i] = line
			return lines
		}
	}
	if end < 0 {
		return append(lines, "", "["+section+"]", line)
	}
	return append(lines[:end], append([]string{line}, lines[end:]...)...)
}
