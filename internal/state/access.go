package state

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
)

// checkAccess explains, before SQLite does ("unable to open database file", "out of memory
// (14)"), why this process cannot use the store at path: which file, which user, who owns it.
// write asks for what a daemon needs (the file and its directory writable, for the WAL).
// A missing file is not an error here when write is set (Open creates it).
func checkAccess(path string, write bool) error {
	mode := uint32(4) // R_OK
	if write {
		mode |= 2 // W_OK
	}
	for _, p := range []string{path, path + "-wal", path + "-shm", filepath.Dir(path)} {
		fi, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			if p == path && !write {
				return fmt.Errorf("no build store at %s (the builder creates it on its first start; check STATE_DB / STATE_DIR)", path)
			}
			continue
		}
		if err != nil {
			return fmt.Errorf("build store %s: %w (user %s)", path, err, currentUser())
		}
		m := mode
		if fi.IsDir() {
			m |= 1 // X_OK: to reach the file
			if !write {
				m = 1
			}
		}
		if err := syscall.Access(p, m); err != nil {
			what := "readable"
			if write {
				what = "writable"
			}
			return fmt.Errorf("build store %s: %s is not %s by user %s (owner %s, mode %v): run as its owner, or fix the ownership (chown -R packuilon: %s)",
				path, p, what, currentUser(), owner(fi), fi.Mode().Perm(), filepath.Dir(path))
		}
	}
	return nil
}

// currentUser names the effective user, for error messages.
func currentUser() string {
	return userName(os.Geteuid())
}

// owner names the owner of a file, for error messages.
func owner(fi fs.FileInfo) string {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return userName(int(st.Uid))
	}
	return "?"
}

func userName(uid int) string {
	id := strconv.Itoa(uid)
	if u, err := user.LookupId(id); err == nil {
		return u.Username
	}
	return "uid " + id
}
