package glance

import (
	"strings"
	"testing"
	"time"
)

func TestCredentialsFromVars(t *testing.T) {
	base := map[string]string{"OS_AUTH_URL": "http://k/v3", "OS_USERNAME": "admin", "OS_PASSWORD": "pw", "OS_PROJECT_NAME": "admin"}
	with := func(kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	for _, tc := range []struct {
		name                             string
		vars                             map[string]string
		userDomain, projectDomain, error string
	}{
		{"user and project domain names", with("OS_USER_DOMAIN_NAME", "Users", "OS_PROJECT_DOMAIN_NAME", "Projects"), "Users", "Projects", ""},
		{"only OS_DOMAIN_NAME (stack.env)", with("OS_DOMAIN_NAME", "Default"), "Default", "Default", ""},
		{"project domain defaults to the user's", with("OS_USER_DOMAIN_NAME", "Default"), "Default", "Default", ""},
		{"no domain for a project name", base, "", "", "OS_PROJECT_DOMAIN_NAME"},
		{"no auth url", with("OS_AUTH_URL", ""), "", "", "OS_AUTH_URL"},
		{"no password", with("OS_PASSWORD", "", "OS_USER_DOMAIN_NAME", "Default"), "", "", "OS_PASSWORD"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := credentialsFromVars(func(k string) string { return tc.vars[k] })
			if tc.error != "" {
				if err == nil || !strings.Contains(err.Error(), tc.error) {
					t.Fatalf("error %v, want one naming %s", err, tc.error)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Auth.DomainName != tc.userDomain || c.Auth.Scope.DomainName != tc.projectDomain || c.Auth.Scope.ProjectName != "admin" {
				t.Fatalf("user domain %q, scope %+v", c.Auth.DomainName, *c.Auth.Scope)
			}
		})
	}
}

func TestReplaceValues(t *testing.T) {
	const old, nu = "0b10e583-9e13-4878-9116-f4002846fa73", "11111111-2222-3333-4444-555555555555"
	for _, tc := range []struct{ name, in, want string }{
		{"nested", "{\n    \"sl\": \n\t{ \n\t\t\"7x\" : \"" + old + "\",\n\t\t\"6x\" : \"other\"\n\t}\n}\n",
			"{\n    \"sl\": \n\t{ \n\t\t\"7x\" : \"" + nu + "\",\n\t\t\"6x\" : \"other\"\n\t}\n}\n"},
		{"flat", `{"sl7x": "` + old + `", "rocky8": "` + old + `"}`, `{"sl7x": "` + nu + `", "rocky8": "` + nu + `"}`},
		{"key untouched", `{"` + old + `": "x", "a": ["` + old + `"]}`, `{"` + old + `": "x", "a": ["` + nu + `"]}`},
		{"absent", `{"a": "b"}`, `{"a": "b"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, _, err := replaceValues([]byte(tc.in), old, nu)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Fatalf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

func TestNames(t *testing.T) {
	at := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	if got := formatName("warehoused-{name}-{date}", "SL7 AQ", "%Y-%m-%d-%H%M%S", at); got != "warehoused-SL7 AQ-2026-03-04-050607" {
		t.Fatalf("warehouse name %q", got)
	}
	for k, want := range map[string]bool{"AQ_OS": true, "aq_personality": true, "hw_disk_bus": true, "os_distro": true, "packuilon_key": false, "os_hash_algo": false, "site_x": true} {
		if carried(k, []string{"site_*"}) != want {
			t.Fatalf("carried(%s) = %v", k, !want)
		}
	}
}
