package testenv

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
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
# Receipts have a key repository of their own whose default is under /etc/keystone: without
# this, keystone-manage bootstrap fails on a machine that never ran Keystone's own setup.
[fernet_receipts]
key_repository = %[1]s/keystone/receipt-keys
[credential]
key_repository = %[1]s/keystone/credential-keys
[jwt_tokens]
jws_public_key_repository = %[1]s/keystone/jws-keys/public
jws_private_key_repository = %[1]s/keystone/jws-keys/private
[identity]
domain_config_dir = %[1]s/keystone/domains
[oslo_policy]
policy_file = %[1]s/keystone/policy.yaml
policy_dirs = %[1]s/keystone/policy.d
[oslo_concurrency]
lock_path = %[1]s/keystone/lock
[oslo_middleware]
http_basic_auth_user_file = %[1]s/keystone/htpasswd
[federation]
sso_callback_template = %[1]s/keystone/sso_callback_template.html
[saml]
certfile = %[1]s/keystone/saml/signing_cert.pem
keyfile = %[1]s/keystone/saml/signing_key.pem
idp_metadata_path = %[1]s/keystone/saml/idp_metadata.xml
`, o.Dir)
	// One process with a few threads: the machine's cores are shared, and this is enough for tests.
	ini := fmt.Sprintf(`[uwsgi]
plugins = python3
http-socket = 127.0.0.1:%[2]d
wsgi-file = /usr/bin/keystone-wsgi-public
env = OS_KEYSTONE_CONFIG_DIR=%[1]s/keystone
env = HOME=%[1]s/home
# sys.argv for keystone's oslo.config: an empty --config-dir of our own instead of the default
# lookup of /etc/keystone/keystone.conf.d.
pyargv = --config-dir %[1]s/keystone/conf.d
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
	files := map[string]string{"keystone.conf": conf, "uwsgi.ini": ini, "policy.yaml": "{}\n"}
	for name, content := range files {
		if err := os.WriteFile(o.keystonePath(name), []byte(content), 0o600); err != nil {
			return err
		}
	}
	return nil
}

// prepareKeystone creates the key repositories and the database with the bootstrap objects
// (admin user, project and roles, identity endpoints), from the cache when it has them.
func (o *OpenStack) prepareKeystone(ctx context.Context) error {
	for _, d := range []string{"fernet-keys", "receipt-keys", "credential-keys"} {
		if err := writeFernetKeys(o.keystonePath(d)); err != nil {
			return err
		}
	}
	db := o.keystonePath("keystone.db")
	if fromCache("keystone.db", db) {
		return o.fixIdentityEndpoints(ctx)
	}
	km := func(args ...string) error {
		return runTool(ctx, o.Dir, append([]string{"keystone-manage", "--config-file", o.keystonePath("keystone.conf"),
			"--config-dir", o.keystonePath("conf.d")}, args...)...)
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
	if err := s.waitOwnHTTP(o.AuthURL, o.KeystonePort, startTimeout); err != nil {
		return startFailed("keystone", o.Dir, err, "log/keystone.out", "log/keystone.log")
	}
	return nil
}
