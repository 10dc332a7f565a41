package glance

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"
)

// ParseOpenRC reads an openrc file ("export OS_X=value" lines, as Horizon and the old scripts
// write them) as data: nothing is executed. It returns the OS_* variables. Comments, blank
// lines and other shell statements are ignored; a value that needs the shell (a $ expansion
// or command substitution) is an error, because its meaning cannot be known without running it.
func ParseOpenRC(data []byte) (map[string]string, error) {
	vars := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		line = strings.TrimSpace(strings.TrimPrefix(line, "export "))
		key, raw, ok := strings.Cut(line, "=")
		if !ok || !strings.HasPrefix(key, "OS_") || !isShellName(key) {
			continue // unset, echo, read ... : not assignments we need
		}
		val, err := shellWord(raw)
		if err != nil {
			return nil, fmt.Errorf("line %d: %s: %w", n, key, err)
		}
		vars[key] = val
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return vars, nil
}

func isShellName(s string) bool {
	for i, c := range s {
		if !(c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return s != ""
}

// shellWord decodes one shell word made of unquoted, 'single' and "double" quoted parts, up to
// an unquoted space or #, which starts a trailing comment.
func shellWord(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == ';':
			rest := strings.TrimSpace(s[i:])
			if rest != "" && !strings.HasPrefix(rest, "#") && rest != ";" {
				return "", fmt.Errorf("unexpected %q after the value", rest)
			}
			return b.String(), nil
		case c == '\'':
			end := strings.IndexByte(s[i+1:], '\'')
			if end < 0 {
				return "", fmt.Errorf("unterminated single quote")
			}
			b.WriteString(s[i+1 : i+1+end])
			i += end + 1
		case c == '"':
			i++
			for ; i < len(s) && s[i] != '"'; i++ {
				switch s[i] {
				case '\\':
					if i+1 < len(s) && strings.IndexByte("\"\\$`", s[i+1]) >= 0 {
						i++
					}
				case '$', '`':
					return "", fmt.Errorf("needs shell expansion; write the value itself")
				}
				b.WriteByte(s[i])
			}
			if i >= len(s) {
				return "", fmt.Errorf("unterminated double quote")
			}
		case c == '\\':
			if i+1 < len(s) {
				i++
				b.WriteByte(s[i])
			}
		case c == '$' || c == '`':
			return "", fmt.Errorf("needs shell expansion; write the value itself")
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}
