package testenv

import (
	"context"
	"fmt"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/endpoints"
	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/projects"
	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/roles"
	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/services"
	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/users"
)

// Provider returns an authenticated gophercloud client for c (re-authenticating when the token
// expires).
func (o *OpenStack) Provider(ctx context.Context, c Credential) (*gophercloud.ProviderClient, error) {
	return openstack.AuthenticatedClient(ctx, gophercloud.AuthOptions{
		IdentityEndpoint: o.AuthURL,
		Username:         c.Username,
		Password:         c.Password,
		DomainName:       "Default",
		AllowReauth:      true,
		Scope:            &gophercloud.AuthScope{ProjectName: c.Project, DomainName: "Default"},
	})
}

func (o *OpenStack) identity(ctx context.Context) (*gophercloud.ServiceClient, error) {
	p, err := o.Provider(ctx, o.Admin)
	if err != nil {
		return nil, err
	}
	return openstack.NewIdentityV3(p, gophercloud.EndpointOpts{Region: region})
}

// setupIdentity creates, if missing, what the stack needs beyond keystone-manage bootstrap.
func (o *OpenStack) setupIdentity(ctx context.Context) error {
	id, err := o.identity(ctx)
	if err != nil {
		return err
	}
	if o.AdminID, err = ensureProject(ctx, id, "admin"); err != nil {
		return err
	}
	if o.ServiceProjectID, err = ensureProject(ctx, id, "service"); err != nil {
		return err
	}
	if o.Tenant2ID, err = ensureProject(ctx, id, "tenant2"); err != nil {
		return err
	}
	if err := ensureUserRole(ctx, id, "glance", glancePassword, o.ServiceProjectID, "admin"); err != nil {
		return err
	}
	if err := ensureUserRole(ctx, id, "user2", user2Password, o.Tenant2ID, "member"); err != nil {
		return err
	}
	// The admin user may write protected properties only when scoped to the service project,
	// so a test can set one with that scope and see promotion (scoped to admin) refused.
	if _, err := ensureRole(ctx, id, ProtectedRole); err != nil {
		return err
	}
	if err := ensureUserRole(ctx, id, "admin", "", o.ServiceProjectID, ProtectedRole); err != nil {
		return err
	}
	if err := ensureUserRole(ctx, id, "admin", "", o.ServiceProjectID, "admin"); err != nil {
		return err
	}
	return registerService(ctx, id, "image", "glance", o.GlanceURL)
}

// CreateProject creates a project (or finds an existing one by name) and returns its id. Image
// members are project ids, so tests share images with such projects.
func (o *OpenStack) CreateProject(ctx context.Context, name string) (string, error) {
	id, err := o.identity(ctx)
	if err != nil {
		return "", err
	}
	return ensureProject(ctx, id, name)
}

// RegisterService adds (or points at url) the public, internal and admin endpoints of a service
// of the given type in the catalog, so clients discover it like a real one (e.g. a Nova
// simulator as "compute"). New tokens carry the change.
func (o *OpenStack) RegisterService(ctx context.Context, serviceType, url string) error {
	id, err := o.identity(ctx)
	if err != nil {
		return err
	}
	return registerService(ctx, id, serviceType, serviceType, url)
}

func ensureProject(ctx context.Context, id *gophercloud.ServiceClient, name string) (string, error) {
	pages, err := projects.List(id, projects.ListOpts{Name: name, DomainID: "default"}).AllPages(ctx)
	if err != nil {
		return "", fmt.Errorf("list projects %s: %w", name, err)
	}
	found, err := projects.ExtractProjects(pages)
	if err != nil {
		return "", err
	}
	if len(found) > 0 {
		return found[0].ID, nil
	}
	p, err := projects.Create(ctx, id, projects.CreateOpts{Name: name, DomainID: "default"}).Extract()
	if err != nil {
		return "", fmt.Errorf("create project %s: %w", name, err)
	}
	return p.ID, nil
}

func ensureRole(ctx context.Context, id *gophercloud.ServiceClient, name string) (string, error) {
	pages, err := roles.List(id, roles.ListOpts{Name: name}).AllPages(ctx)
	if err != nil {
		return "", fmt.Errorf("list roles %s: %w", name, err)
	}
	found, err := roles.ExtractRoles(pages)
	if err != nil {
		return "", err
	}
	if len(found) > 0 {
		return found[0].ID, nil
	}
	r, err := roles.Create(ctx, id, roles.CreateOpts{Name: name}).Extract()
	if err != nil {
		return "", fmt.Errorf("create role %s: %w", name, err)
	}
	return r.ID, nil
}

// ensureUserRole creates the user when missing (password ignored for an existing user) and
// grants it role on project.
func ensureUserRole(ctx context.Context, id *gophercloud.ServiceClient, user, password, project, role string) error {
	pages, err := users.List(id, users.ListOpts{Name: user, DomainID: "default"}).AllPages(ctx)
	if err != nil {
		return fmt.Errorf("list users %s: %w", user, err)
	}
	found, err := users.ExtractUsers(pages)
	if err != nil {
		return err
	}
	var userID string
	if len(found) > 0 {
		userID = found[0].ID
	} else {
		u, err := users.Create(ctx, id, users.CreateOpts{Name: user, DomainID: "default", Password: password}).Extract()
		if err != nil {
			return fmt.Errorf("create user %s: %w", user, err)
		}
		userID = u.ID
	}
	roleID, err := ensureRole(ctx, id, role)
	if err != nil {
		return err
	}
	// Assigning is a PUT: granting twice is harmless.
	if err := roles.Assign(ctx, id, roleID, roles.AssignOpts{UserID: userID, ProjectID: project}).ExtractErr(); err != nil {
		return fmt.Errorf("grant %s to %s: %w", role, user, err)
	}
	return nil
}

func registerService(ctx context.Context, id *gophercloud.ServiceClient, serviceType, name, url string) error {
	pages, err := services.List(id, services.ListOpts{ServiceType: serviceType}).AllPages(ctx)
	if err != nil {
		return fmt.Errorf("list services %s: %w", serviceType, err)
	}
	found, err := services.ExtractServices(pages)
	if err != nil {
		return err
	}
	var serviceID string
	if len(found) > 0 {
		serviceID = found[0].ID
	} else {
		s, err := services.Create(ctx, id, services.CreateOpts{Type: serviceType, Name: name}).Extract()
		if err != nil {
			return fmt.Errorf("create service %s: %w", serviceType, err)
		}
		serviceID = s.ID
	}
	pages, err = endpoints.List(id, endpoints.ListOpts{ServiceID: serviceID}).AllPages(ctx)
	if err != nil {
		return fmt.Errorf("list endpoints of %s: %w", serviceType, err)
	}
	eps, err := endpoints.ExtractEndpoints(pages)
	if err != nil {
		return err
	}
	for _, iface := range []gophercloud.Availability{gophercloud.AvailabilityPublic, gophercloud.AvailabilityInternal, gophercloud.AvailabilityAdmin} {
		var existing *endpoints.Endpoint
		for i := range eps {
			if eps[i].Availability == iface && eps[i].Region == region {
				existing = &eps[i]
			}
		}
		switch {
		case existing == nil:
			_, err = endpoints.Create(ctx, id, endpoints.CreateOpts{Availability: iface, Region: region, URL: url, ServiceID: serviceID}).Extract()
		case existing.URL != url:
			_, err = endpoints.Update(ctx, id, existing.ID, endpoints.UpdateOpts{URL: url}).Extract()
		}
		if err != nil {
			return fmt.Errorf("endpoint %s of %s: %w", iface, serviceType, err)
		}
	}
	return nil
}
