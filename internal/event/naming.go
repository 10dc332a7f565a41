package event

import (
	"fmt"
	"strings"
)

// The defaults of [rabbit2packer] IMAGE_KEY and IMAGE_NAME: the documented convention of
// rabbit2packer (and its releases before the last), "nubesvms-sl7x-x86_64" and
// "sl7x-x86_64 nubesvms". The last release used "{hostname}" for both.
const (
	DefaultKeyFormat  = "{personality}-{os}{os_version}"
	DefaultNameFormat = "{os}{os_version} {personality}"
)

// maxImageName bounds an image name (Glance allows 255).
const maxImageName = 255

// Naming makes the image key (template-map key, log and build file names, the packuilon_key
// property) and the image name ($NAME) from a spec, by the formats of [rabbit2packer]
// IMAGE_KEY and IMAGE_NAME over {hostname}, {personality}, {os}, {os_version}, {archetype}.
// An empty format is the default.
type Naming struct {
	Key  string
	Name string
}

// CheckFormat reports a format that names a field other than the five, or has a stray brace.
func CheckFormat(f string) error {
	_, err := expand(f, Spec{Hostname: "h", Personality: "p", Archetype: "a", OS: "o", OSVersion: "v"})
	return err
}

// ImageKey is the image key for s, checked as every image key is (ValidImageKey: letters,
// digits, '.', '_' and '-', no "..", at most 160 characters).
func (n Naming) ImageKey(s Spec) (string, error) {
	f := n.Key
	if f == "" {
		f = DefaultKeyFormat
	}
	k, err := expand(f, s)
	if err != nil {
		return "", fmt.Errorf("%w: IMAGE_KEY: %v", ErrInvalid, err)
	}
	if !ValidImageKey(k) {
		return "", fmt.Errorf("%w: IMAGE_KEY %q gives the image key %q, which is empty, too long or has characters not allowed", ErrInvalid, f, k)
	}
	return k, nil
}

// ImageName is the image name ($NAME) for s: not empty, at most 255 bytes, no '/', no "..",
// no control characters.
func (n Naming) ImageName(s Spec) (string, error) {
	f := n.Name
	if f == "" {
		f = DefaultNameFormat
	}
	name, err := expand(f, s)
	if err != nil {
		return "", fmt.Errorf("%w: IMAGE_NAME: %v", ErrInvalid, err)
	}
	bad := strings.TrimSpace(name) == "" || len(name) > maxImageName || strings.Contains(name, "/") || strings.Contains(name, "..")
	for _, c := range name {
		bad = bad || c < 0x20 || c == 0x7f
	}
	if bad {
		return "", fmt.Errorf("%w: IMAGE_NAME %q gives the image name %q, which is empty, too long or has '/', '..' or control characters", ErrInvalid, f, name)
	}
	return name, nil
}

// Apply sets r.ImageKey by the key format.
func (n Naming) Apply(r *BuildRequest) error {
	k, err := n.ImageKey(r.Spec)
	if err != nil {
		return err
	}
	r.ImageKey = k
	return nil
}

// expand replaces the placeholders of f; a field a format needs must not be empty (a skeleton
// profile has no hostname).
func expand(f string, s Spec) (string, error) {
	fields := map[string]string{"hostname": s.Hostname, "personality": s.Personality, "os": s.OS,
		"os_version": s.OSVersion, "archetype": s.Archetype}
	var b strings.Builder
	for {
		i := strings.IndexAny(f, "{}")
		if i < 0 {
			b.WriteString(f)
			return b.String(), nil
		}
		if f[i] == '}' {
			return "", fmt.Errorf("format %q has a '}' without '{'", f)
		}
		j := strings.IndexByte(f[i:], '}')
		if j < 0 {
			return "", fmt.Errorf("format %q has a '{' without '}'", f)
		}
		name := f[i+1 : i+j]
		v, ok := fields[name]
		if !ok {
			return "", fmt.Errorf("format %q names {%s}; known are {hostname}, {personality}, {os}, {os_version}, {archetype}", f, name)
		}
		if v == "" {
			return "", fmt.Errorf("format %q needs {%s}, which the request does not have", f, name)
		}
		b.WriteString(f[:i])
		b.WriteString(v)
		f = f[i+j+1:]
	}
}
