package packer

import (
	"fmt"
	"os"

	"github.com/packuilon/packuilon/internal/openrc"
)

// AuthEnv reads an openrc-style file ("export OS_AUTH_URL=...", as rabbit2packer sourced it)
// as data, with the project's one openrc parser (openrc.Parse): every assignment is kept, since
// the old wrapper passed the whole environment to packer; nothing is executed or expanded. As
// the old wrapper did, OS_TENANT_ID and OS_DOMAIN_NAME are added as aliases of OS_PROJECT_ID
// and OS_USER_DOMAIN_NAME unless the file sets them. It returns KEY=VALUE pairs. Errors name
// the line, never its value (it may be a password).
func AuthEnv(path string) ([]string, error) {
	if path == "" {
		return nil, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read packer auth file: %w", err)
	}
	vars, err := openrc.Parse(data, nil)
	if err != nil {
		return nil, fmt.Errorf("packer auth file %s: %w", path, err)
	}
	env := vars.Environ()
	for _, a := range [][2]string{{"OS_TENANT_ID", "OS_PROJECT_ID"}, {"OS_DOMAIN_NAME", "OS_USER_DOMAIN_NAME"}} {
		if _, set := vars.Lookup(a[0]); !set {
			if v, ok := vars.Lookup(a[1]); ok {
				env = append(env, a[0]+"="+v)
			}
		}
	}
	return env, nil
}
