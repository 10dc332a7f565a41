package openrc

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"strings"
)

// Vars are the assignments of an openrc file, in the order their names first appear.
type Vars struct {
	names  []string
	values map[string]string
}

// Get returns the value of name, or "" when the file does not set it.
func (v Vars) Get(name string) string { return v.values[name] }

// Lookup returns the value of name and whether the file sets it.
func (v Vars) Lookup(name string) (string, bool) {
	s, ok := v.values[name]
	return s, ok
}

// Names returns the names the file sets, in file order.
func (v Vars) Names() []string { return v.names }

// Environ returns NAME=value pairs in file order, for exec.Cmd.Env.
func (v Vars) Environ() []string {
	env := make([]string, 0, len(v.names))
	for _, k := range v.names {
		env = append(env, k+"="+v.values[k])
	}
	return env
}

// OSOnly keeps the OS_* variables, the ones an OpenStack client reads.
func OSOnly(name string) bool { return strings.HasPrefix(name, "OS_") }

// errExpansion: a value whose meaning needs the shell cannot be known without running it.
var errExpansion = errors.New("needs shell expansion; write the value itself")

// Parse reads the assignment lines of data ("NAME=value", with or without "export") whose
// name keep accepts (nil keeps every name); values are bare, 'single-' or "double-quoted"
// words, with \" \\ \$ \` escapes. Other lines (comments, echo, read, unset, if) are ignored.
// A later assignment replaces an earlier one. A value that needs the shell ($ expansion or
// command substitution) is an error. Errors name the line and the variable, never the value:
// it may be a password.
func Parse(data []byte, keep func(name string) bool) (Vars, error) {
	v := Vars{values: map[string]string{}}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		line = strings.TrimSpace(strings.TrimPrefix(line, "export "))
		name, raw, ok := strings.Cut(line, "=")
		if !ok || !isShellName(name) || keep != nil && !keep(name) {
			continue // comments, echo, read, unset ...: not assignments we need
		}
		val, err := shellWord(raw)
		if err != nil {
			return Vars{}, fmt.Errorf("line %d: %s: %w", n, name, err)
		}
		if _, seen := v.values[name]; !seen {
			v.names = append(v.names, name)
		}
		v.values[name] = val
	}
	if err := sc.Err(); err != nil {
		return Vars{}, err
	}
	return v, nil
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
// an unquoted space, tab or ';'; only a comment may follow.
func shellWord(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case ' ', '\t', ';':
			rest := strings.TrimSpace(s[i:])
			if rest != "" && rest != ";" && !strings.HasPrefix(rest, "#") {
				// Not quoted: the rest may be part of a password typed without quotes.
				return "", fmt.Errorf("unexpected text after the value (quote a value with spaces)")
			}
			return b.String(), nil
		case '\'':
			end := strings.IndexByte(s[i+1:], '\'')
			if end < 0 {
				return "", fmt.Errorf("unterminated single quote")
			}
			b.WriteString(s[i+1 : i+1+end])
			i += end + 1
		case '"':
			for i++; i < len(s) && s[i] != '"'; i++ {
				switch s[i] {
				case '\\':
					if i+1 < len(s) && strings.IndexByte("\"\\$`", s[i+1]) >= 0 {
						i++
					}
				case '$', '`':
					return "", errExpansion
				}
				b.WriteByte(s[i])
			}
			if i >= len(s) {
				return "", fmt.Errorf("unterminated double quote")
			}
		case '\\':
			if i+1 < len(s) {
				i++
				b.WriteByte(s[i])
			}
		case '$', '`':
			return "", errExpansion
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}
