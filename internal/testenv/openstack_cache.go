package testenv

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"

	"github.com/packuilon/packuilon/internal/fsutil"
)

// The databases keystone-manage db_sync + bootstrap and glance-manage db_sync produce depend only
// on the installed packages (the one port-specific value, the identity endpoint URL, is fixed
// with one UPDATE). Each of those runs costs a Python start-up of several seconds, much more on
// a loaded machine, so the first start keeps the results in a cache under os.TempDir() and later
// starts copy them.

// dbCacheDir names the cache for the installed keystone and glance packages ("" if unknown).
func dbCacheDir() string {
	h := sha256.New()
	for _, f := range []string{"python3-keystone.list", "python3-glance.list"} {
		st, err := os.Stat(filepath.Join("/var/lib/dpkg/info", f))
		if err != nil {
			return ""
		}
		fmt.Fprintf(h, "%s %d %d\n", f, st.Size(), st.ModTime().UnixNano())
	}
	fmt.Fprintf(h, "password %s rounds 4\n", adminPassword)
	return filepath.Join(os.TempDir(), fmt.Sprintf("packuilon-openstack-db-%x", h.Sum(nil)[:8]))
}

// fromCache copies the cached database name into dst; false when there is none.
func fromCache(name, dst string) bool {
	dir := dbCacheDir()
	if dir == "" {
		return false
	}
	data, err := os.ReadFile(filepath.Join(dir, name))
	return err == nil && os.WriteFile(dst, data, 0o600) == nil
}

// cacheDB folds the write-ahead log into the database file (a tool that exits uncleanly can
// leave it behind) and stores the file in the cache.
func cacheDB(ctx context.Context, dir, name, db string) error {
	if err := runTool(ctx, dir, "sqlite3", db, "PRAGMA wal_checkpoint(TRUNCATE);"); err != nil {
		return err
	}
	toCache(name, db)
	return nil
}

// toCache stores src as the cached database name, best effort. Concurrent starts (other test
// binaries, or a shared and a private stack in one) may do the same: fsutil.WriteFile's unique
// temp file and rename mean readers never see half a file.
func toCache(name, src string) {
	dir := dbCacheDir()
	if dir == "" || os.MkdirAll(dir, 0o700) != nil {
		return
	}
	if data, err := os.ReadFile(src); err == nil {
		fsutil.WriteFile(filepath.Join(dir, name), data, 0o600)
	}
}

// writeFernetKeys creates a key repository as keystone-manage fernet_setup / credential_setup
// would: key 0 (staged) and key 1 (primary), each 32 random bytes in URL-safe base64.
func writeFernetKeys(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	for _, name := range []string{"0", "1"} {
		key := make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(base64.URLEncoding.EncodeToString(key)), 0o600); err != nil {
			return err
		}
	}
	return nil
}

// fixIdentityEndpoints points the cached database's identity endpoints at this Keystone's port.
func (o *OpenStack) fixIdentityEndpoints(ctx context.Context) error {
	q := fmt.Sprintf("UPDATE endpoint SET url = '%s/' WHERE service_id IN (SELECT id FROM service WHERE type = 'identity');", o.AuthURL)
	return runTool(ctx, o.Dir, "sqlite3", o.keystonePath("keystone.db"), q)
}
