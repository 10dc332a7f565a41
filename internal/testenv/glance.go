package testenv

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

func (o *OpenStack) glancePath(name string) string { return filepath.Join(o.Dir, "glance", name) }

func (o *OpenStack) writeGlanceConfig() error {
	conf := fmt.Sprintf(`[DEFAULT]
bind_host = 127.0.0.1
bind_port = %[2]d
# 0 = serve from the one process, no forked workers.
workers = 0
log_file = %[1]s/log/glance-api.log
enabled_backends = fs:file
property_protection_file = %[1]s/glance/property-protections.conf
property_protection_rule_format = roles
[database]
connection = sqlite:///%[1]s/glance/glance.db
[glance_store]
default_backend = fs
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
config_file = /etc/glance/glance-api-paste.ini
[oslo_concurrency]
lock_path = %[1]s/glance/lock
[oslo_policy]
policy_dirs = /etc/glance/policy.d
`, o.Dir, o.GlancePort, o.KeystonePort, glancePassword, region)
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
	if err := os.WriteFile(o.glancePath("glance-api.conf"), []byte(conf), 0o600); err != nil {
		return err
	}
	return os.WriteFile(o.glancePath("property-protections.conf"), []byte(prot), 0o600)
}

func (o *OpenStack) prepareGlance(ctx context.Context) error {
	db := o.glancePath("glance.db")
	if fromCache("glance.db", db) {
		return nil
	}
	if err := runTool(ctx, o.Dir, "glance-manage", "--config-file", o.glancePath("glance-api.conf"), "db_sync"); err != nil {
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
		default:
			return nil // already running
		}
	}
	s, err := startService(o.Dir, "glance-api", nil, "glance-api", "--config-file", o.glancePath("glance-api.conf"))
	if err != nil {
		return err
	}
	o.glance = s
	return s.waitHTTP(o.GlanceURL+"/healthcheck", time.Minute)
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
