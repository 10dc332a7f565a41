package packer

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"regexp"
	"strings"
)

var envNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// AuthEnv reads an openrc-style file ("export OS_AUTH_URL=...", as rabbit2packer sourced it)
// without a shell: assignment lines, with or without "export", values bare, 'single-' or
// "double-quoted" (with \" \\ \$ \` escapes). Other lines (comments, echo, read, if) are
// ignored; no expansion is done. As the old wrapper did, OS_TENANT_ID and OS_DOMAIN_NAME are
// added as aliases of OS_PROJECT_ID and OS_USER_DOMAIN_NAME unless the file sets them.
// It returns KEY=VALUE pairs. Errors name the line, never its value (it may be a password).
func AuthEnv(path string) ([]string, error) {
	if path == "" {
		return nil, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read packer auth file: %w", err)
	}
	vars, order, err := parseAuth(data)
	if err != nil {
		return nil, fmt.Errorf("packer auth file %s: %w", path, err)
	}
	for alias, from := range map[string]string{"OS_TENANT_ID": "OS_PROJECT_ID", "OS_DOMAIN_NAME": "OS_USER_DOMAIN_NAME"} {
		if _, set := vars[alias]; !set {
			if v, ok := vars[from]; ok {
				vars[alias] = v
				order = append(order, alias)
			}
		}
	}
	env := make([]string, 0, len(order))
	for _, k := range order {
		env = append(env, k+"="+vars[k])
	}
	return env, nil
}

func parseAuth(data []byte) (map[string]string, []string, error) {
	vars := map[string]string{}
	var order []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		line = strings.TrimSpace(strings.TrimPrefix(line, "export "))
		name, rest, ok := strings.Cut(line, "=")
		if !ok || !envNameRE.MatchString(name) {
			continue // not an assignment: comments, echo, read, unset ...
		}
		val, err := unquote(rest)
		if err != nil {
			return nil, nil, fmt.Errorf("line %d (%s): %w", n, name, err)
		}
		if _, seen := vars[name]; !seen {
			order = append(order, name)
		}
		vars[name] = val
	}
	return vars, order, sc.Err()
}

// unquote reads a shell word: bare text up to a space or '#', or concatenated quoted parts.
func unquote(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\'':
			end := strings.IndexByte(s[i+1:], '\'')
			if end < 0 {
				return "", fmt.Errorf("unterminated single quote")
			}
			b.WriteString(s[i+1 : i+1+end])
			i += end + 1
		case '"':
			i++
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("\"\\$`", s[i+1]) >= 0 {
					i++
				}
				b.WriteByte(s[i])
			}
			if i >= len(s) {
				return "", fmt.Errorf("unterminated double quote")
			}
		case ' ', '\t', ';':
			return b.String(), nil
		case '#':
			if i == 0 {
				return "", nil
			}
			b.WriteByte(c)
		case '\\':
			if i+1 < len(s) {
				i++
				b.WriteByte(s[i])
			}
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}
