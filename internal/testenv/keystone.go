package testenv

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

func (o *OpenStack) keystonePath(name string) string { return filepath.Join(o.Dir, "keystone", name) }

func (o *OpenStack) writeKeystoneConfig() error {
	conf := fmt.Sprintf(`[DEFAULT]
log_file = %[1]s/log/keystone.log
[database]
connection = sqlite:///%[1]s/keystone/keystone.db
[identity]
# The minimum bcrypt cost: tokens are issued in milliseconds instead of ~0.4 s.
password_hash_rounds = 4
[token]
provider = fernet
expiration = 86400
[fernet_tokens]
key_repository = %[1]s/keystone/fernet-keys
[credential]
key_repository = %[1]s/keystone/credential-keys
[oslo_policy]
policy_dirs = /etc/keystone/policy.d
`, o.Dir)
	// One process with a few threads: the machine's cores are shared, and this is enough for tests.
	ini := fmt.Sprintf(`[uwsgi]
plugins = python3
http-socket = 127.0.0.1:%[2]d
wsgi-file = /usr/bin/keystone-wsgi-public
env = OS_KEYSTONE_CONFIG_DIR=%[1]s/keystone
master = true
processes = 1
threads = 3
enable-threads = true
lazy-apps = true
buffer-size = 65535
add-header = Connection: close
die-on-term = true
no-orphans = true
chdir = %[1]s/keystone
`, o.Dir, o.KeystonePort)
	if err := os.WriteFile(o.keystonePath("keystone.conf"), []byte(conf), 0o600); err != nil {
		return err
	}
	return os.WriteFile(o.keystonePath("uwsgi.ini"), []byte(ini), 0o600)
}

// prepareKeystone creates the key repositories and the database with the bootstrap objects
// (admin user, project and roles, identity endpoints), from the cache when it has them.
func (o *OpenStack) prepareKeystone(ctx context.Context) error {
	for _, d := range []string{"fernet-keys", "credential-keys"} {
		if err := writeFernetKeys(o.keystonePath(d)); err != nil {
			return err
		}
	}
	db := o.keystonePath("keystone.db")
	if fromCache("keystone.db", db) {
		return o.fixIdentityEndpoints(ctx)
	}
	km := func(args ...string) error {
		return runTool(ctx, o.Dir, append([]string{"keystone-manage", "--config-file", o.keystonePath("keystone.conf")}, args...)...)
	}
	if err := km("db_sync"); err != nil {
		return err
	}
	// Without WAL, concurrent writes under uwsgi fail with "database is locked" (HTTP 500).
	if err := runTool(ctx, o.Dir, "sqlite3", db, "PRAGMA journal_mode=WAL;"); err != nil {
		return err
	}
	err := km("bootstrap", "--bootstrap-password", adminPassword,
		"--bootstrap-admin-url", o.AuthURL+"/", "--bootstrap-internal-url", o.AuthURL+"/",
		"--bootstrap-public-url", o.AuthURL+"/", "--bootstrap-region-id", region)
	if err != nil {
		return err
	}
	return cacheDB(ctx, o.Dir, "keystone.db", db)
}

func (o *OpenStack) startKeystone() error {
	s, err := startService(o.Dir, "keystone", nil, "uwsgi", "--ini", o.keystonePath("uwsgi.ini"))
	if err != nil {
		return err
	}
	o.keystone = s
	return s.waitHTTP(o.AuthURL, time.Minute)
}
