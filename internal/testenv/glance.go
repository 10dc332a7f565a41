package testenv

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
)

func (o *OpenStack) glancePath(name string) string { return filepath.Join(o.Dir, "glance", name) }

func (o *OpenStack) writeGlanceConfig() error {
	conf := fmt.Sprintf(`[DEFAULT]
bind_host = 127.0.0.1
bind_port = %[2]d
# 0 = serve from the one process, no forked workers (the default here); more as a site runs it.
workers = %[6]d
log_file = %[1]s/log/glance-api.log
enabled_backends = fs:file
property_protection_file = %[1]s/glance/property-protections.conf
property_protection_rule_format = roles
node_staging_uri = file://%[1]s/glance/staging
[database]
connection = sqlite:///%[1]s/glance/glance.db
[glance_store]
default_backend = fs
filesystem_store_datadir = %[1]s/glance/images/
rootwrap_config = %[1]s/glance/rootwrap.conf
cinder_mount_point_base = %[1]s/glance/mnt
[fs]
filesystem_store_datadir = %[1]s/glance/images/
[os_glance_staging_store]
filesystem_store_datadir = %[1]s/glance/staging/
[os_glance_tasks_store]
filesystem_store_datadir = %[1]s/glance/tasks/
[keystone_authtoken]
www_authenticate_uri = http://127.0.0.1:%[3]d
auth_url = http://127.0.0.1:%[3]d
auth_type = password
project_domain_name = Default
user_domain_name = Default
project_name = service
username = glance
password = %[4]s
region_name = %[5]s
[paste_deploy]
flavor = keystone
config_file = %[1]s/glance/glance-api-paste.ini
[oslo_concurrency]
lock_path = %[1]s/glance/lock
[task]
work_dir = %[1]s/glance/work
[oslo_middleware]
http_basic_auth_user_file = %[1]s/glance/htpasswd
[os_brick]
lock_path = %[1]s/glance/lock
[oslo_policy]
policy_file = %[1]s/glance/policy.yaml
policy_dirs = %[1]s/glance/policy.d
`, o.Dir, o.GlancePort, o.KeystonePort, glancePassword, region, o.glanceWorkers)
	// Our own paste pipeline: the packaged one's cors filter reads glance-api.conf from /etc/glance
	// on its own, and its healthcheck can be disabled by a file under /etc/glance.
	paste := fmt.Sprintf(`[pipeline:glance-api-keystone]
pipeline = healthcheck versionnegotiation authtoken context rootapp
[composite:rootapp]
paste.composite_factory = glance.api:root_app_factory
/: apiversions
/v2: apiv2app
[app:apiversions]
paste.app_factory = glance.api.versions:create_resource
[app:apiv2app]
paste.app_factory = glance.api.v2.router:API.factory
[filter:healthcheck]
paste.filter_factory = oslo_middleware:Healthcheck.factory
backends = disable_by_file
disable_by_file_path = %[1]s/glance/healthcheck_disable
[filter:versionnegotiation]
paste.filter_factory = glance.api.middleware.version_negotiation:VersionNegotiationFilter.factory
[filter:context]
paste.filter_factory = glance.api.middleware.context:ContextMiddleware.factory
[filter:authtoken]
paste.filter_factory = keystonemiddleware.auth_token:filter_factory
delay_auth_decision = true
`, o.Dir)
	// Property protections: everything is open to admin and member, except ProtectedPrefix
	// properties, which only ProtectedRole may create, change or delete.
	prot := fmt.Sprintf(`[^%[1]s.*]
create = %[2]s
read = @
update = %[2]s
delete = %[2]s
[.*]
create = @
read = @
update = @
delete = @
`, ProtectedPrefix, ProtectedRole)
	// Files Glance finds by name in its configuration directories (the private one first, then
	// ~/.glance and /etc/glance): present here, they are never looked for on the host.
	files := map[string]string{
		"glance-api.conf":           conf,
		"glance-api-paste.ini":      paste,
		"property-protections.conf": prot,
		"policy.yaml":               "{}\n",
		"schema-image.json":         "{}\n",
		"glance-image-import.conf":  "",
	}
	for name, content := range files {
		if err := os.WriteFile(o.glancePath(name), []byte(content), 0o600); err != nil {
			return err
		}
	}
	return nil
}

func (o *OpenStack) prepareGlance(ctx context.Context) error {
	db := o.glancePath("glance.db")
	if fromCache("glance.db", db) {
		return nil
	}
	if err := runTool(ctx, o.Dir, "glance-manage", "--config-file", o.glancePath("glance-api.conf"),
		"--config-dir", o.glancePath("conf.d"), "db_sync"); err != nil {
		return err
	}
	if err := runTool(ctx, o.Dir, "sqlite3", db, "PRAGMA journal_mode=WAL;"); err != nil {
		return err
	}
	return cacheDB(ctx, o.Dir, "glance.db", db)
}

// StartGlance starts glance-api (again, after StopGlance) and waits until its healthcheck answers.
func (o *OpenStack) StartGlance() error {
	o.glanceMu.Lock()
	defer o.glanceMu.Unlock()
	if o.glance != nil {
		select {
		case <-o.glance.exited:
			o.glance.stop() // its workers may have outlived it, holding the port
		default:
			return nil // already running
		}
	}
	s, err := startService(o.Dir, "glance-api", nil, "glance-api", "--config-file", o.glancePath("glance-api.conf"),
		"--config-dir", o.glancePath("conf.d"))
	if err != nil {
		return err
	}
	o.glance = s
	if err := s.waitOwnHTTP(o.GlanceURL+"/healthcheck", o.GlancePort, startTimeout); err != nil {
		return startFailed("glance-api", o.Dir, err, "log/glance-api.out", "log/glance-api.log")
	}
	return nil
}

// StopGlance stops glance-api (fault injection); Keystone keeps running. The port refuses
// connections until StartGlance.
func (o *OpenStack) StopGlance() error {
	o.glanceMu.Lock()
	defer o.glanceMu.Unlock()
	if o.glance != nil {
		o.glance.stop()
	}
	return nil
}
