package glance

import (
	"crypto/tls"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/config/clouds"

	"github.com/packuilon/packuilon/internal/openrc"
)

// Credentials say how to reach and authenticate to the cloud. They hold a password: never log
// them; log Source.
type Credentials struct {
	Auth     gophercloud.AuthOptions
	Endpoint gophercloud.EndpointOpts
	// CAFile verifies Keystone and the services with a private CA (OS_CACERT or [promote] CA_FILE).
	CAFile string
	// TLS comes from clouds.yaml (cacert, cert, key, verify) when that was the source.
	TLS *tls.Config
	// Source says where the credentials came from, for messages.
	Source string
	// Timeout bounds each HTTP request (RequestTimeout when zero).
	Timeout time.Duration
}

// LoadCredentials reads credentials the way the openstack CLI does, from (first match): the
// openrc file authFile (read as data, never run), the cloud named by OS_CLOUD in clouds.yaml, or
// the OS_* variables of getenv.
func LoadCredentials(authFile string, getenv func(string) string) (Credentials, error) {
	switch {
	case authFile != "":
		data, err := os.ReadFile(authFile)
		if err != nil {
			return Credentials{}, fmt.Errorf("read auth file: %w", err)
		}
		vars, err := openrc.Parse(data, openrc.OSOnly)
		if err != nil {
			return Credentials{}, fmt.Errorf("auth file %s: %w", authFile, err)
		}
		c, err := credentialsFromVars(vars.Get)
		if err != nil {
			return Credentials{}, fmt.Errorf("auth file %s: %w", authFile, err)
		}
		c.Source = "auth file " + authFile
		return c, nil
	case getenv("OS_CLOUD") != "":
		opts := []clouds.ParseOption{clouds.WithCloudName(getenv("OS_CLOUD"))}
		if f := getenv("OS_CLIENT_CONFIG_FILE"); f != "" {
			opts = append(opts, clouds.WithLocations(f))
		}
		auth, ep, tlsConfig, err := clouds.Parse(opts...)
		if err != nil {
			return Credentials{}, fmt.Errorf("clouds.yaml cloud %q: %w", getenv("OS_CLOUD"), err)
		}
		auth.AllowReauth = true
		return Credentials{Auth: auth, Endpoint: ep, TLS: tlsConfig, Source: "clouds.yaml cloud " + getenv("OS_CLOUD")}, nil
	default:
		c, err := credentialsFromVars(getenv)
		if err != nil {
			return Credentials{}, fmt.Errorf("environment: %w", err)
		}
		c.Source = "environment"
		return c, nil
	}
}

// credentialsFromVars maps OS_* variables to auth options with the openstack CLI's meaning.
// gophercloud's own AuthOptionsFromEnv reads only OS_DOMAIN_NAME/ID and ignores
// OS_USER_DOMAIN_NAME and OS_PROJECT_DOMAIN_NAME, which every Keystone v3 openrc sets.
func credentialsFromVars(get func(string) string) (Credentials, error) {
	first := func(keys ...string) string {
		for _, k := range keys {
			if v := get(k); v != "" {
				return v
			}
		}
		return ""
	}
	a := gophercloud.AuthOptions{
		IdentityEndpoint:            get("OS_AUTH_URL"),
		Username:                    get("OS_USERNAME"),
		UserID:                      first("OS_USER_ID", "OS_USERID"),
		Password:                    get("OS_PASSWORD"),
		ApplicationCredentialID:     get("OS_APPLICATION_CREDENTIAL_ID"),
		ApplicationCredentialName:   get("OS_APPLICATION_CREDENTIAL_NAME"),
		ApplicationCredentialSecret: get("OS_APPLICATION_CREDENTIAL_SECRET"),
		// Long promotions and daemons outlive a token.
		AllowReauth: true,
	}
	if a.IdentityEndpoint == "" {
		return Credentials{}, errors.New("OS_AUTH_URL is not set")
	}
	if a.ApplicationCredentialID == "" && a.ApplicationCredentialName == "" {
		if a.Username == "" && a.UserID == "" {
			return Credentials{}, errors.New("neither OS_USERNAME nor OS_USER_ID is set")
		}
		if a.Password == "" {
			return Credentials{}, errors.New("OS_PASSWORD is not set")
		}
	}
	// The user's domain names where the user name lives; a user id needs none.
	if a.UserID == "" {
		a.DomainID = first("OS_USER_DOMAIN_ID", "OS_DOMAIN_ID")
		if a.DomainID == "" {
			a.DomainName = first("OS_USER_DOMAIN_NAME", "OS_DOMAIN_NAME")
		}
	}
	if a.ApplicationCredentialID == "" && a.ApplicationCredentialName == "" {
		// Application credentials carry their own scope; anything else is scoped here.
		scope := &gophercloud.AuthScope{
			ProjectID:   first("OS_PROJECT_ID", "OS_TENANT_ID"),
			ProjectName: first("OS_PROJECT_NAME", "OS_TENANT_NAME"),
		}
		switch {
		case scope.ProjectID != "":
		case scope.ProjectName != "":
			scope.DomainID = first("OS_PROJECT_DOMAIN_ID", "OS_DOMAIN_ID")
			if scope.DomainID == "" {
				scope.DomainName = first("OS_PROJECT_DOMAIN_NAME", "OS_DOMAIN_NAME", "OS_USER_DOMAIN_NAME")
			}
			if scope.DomainID == "" && scope.DomainName == "" {
				return Credentials{}, errors.New("OS_PROJECT_NAME needs OS_PROJECT_DOMAIN_NAME (or _ID)")
			}
		case get("OS_DOMAIN_ID") != "" || get("OS_DOMAIN_NAME") != "":
			scope.DomainID, scope.DomainName = get("OS_DOMAIN_ID"), get("OS_DOMAIN_NAME")
		default:
			return Credentials{}, errors.New("no scope: set OS_PROJECT_NAME or OS_PROJECT_ID")
		}
		a.Scope = scope
	}
	return Credentials{
		Auth: a,
		Endpoint: gophercloud.EndpointOpts{
			Region:       get("OS_REGION_NAME"),
			Availability: availability(get("OS_INTERFACE")),
		},
		CAFile: get("OS_CACERT"),
	}, nil
}

// availability maps OS_INTERFACE ("public", "publicURL", ...) to gophercloud's.
func availability(iface string) gophercloud.Availability {
	switch strings.TrimSuffix(strings.ToLower(iface), "url") {
	case "internal":
		return gophercloud.AvailabilityInternal
	case "admin":
		return gophercloud.AvailabilityAdmin
	default:
		return gophercloud.AvailabilityPublic
	}
}
