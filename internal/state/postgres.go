package state

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// pgDDL translates the SQLite schema to PostgreSQL: the row ids become identity columns and
// every INTEGER a BIGINT (the stores keep Unix nanoseconds in them).
func pgDDL(ddl string) string {
	ddl = strings.ReplaceAll(ddl, "INTEGER PRIMARY KEY AUTOINCREMENT", "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY")
	return strings.ReplaceAll(ddl, "INTEGER", "BIGINT")
}

// schemaLockID is the advisory lock that serialises migrations: several builders starting at
// once would otherwise race in CREATE TABLE IF NOT EXISTS.
const schemaLockID = 0x7061636b75696c6f // "packuilo"

// pgMaxConns bounds one process's connections: the daemon's intake, dispatch, heartbeats and
// builds share them.
const pgMaxConns = 8

// openPostgres connects to the database at target (a postgres:// URL without a password) and
// creates the schema if needed.
func openPostgres(target string, o options) (*Store, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, fmt.Errorf("open build store: STATE_DB is not a valid URL") // the error would quote it
	}
	shown := u.Redacted()
	if _, set := u.User.Password(); set || u.Query().Has("password") {
		return nil, fmt.Errorf("open build store %s: the URL holds a password; put it in a password file or PGPASSFILE", shown)
	}
	cfg, err := pgx.ParseConfig(target)
	if err != nil {
		return nil, fmt.Errorf("open build store %s: %w", shown, err)
	}
	if o.passwordFile != "" {
		pw, err := readPassword(o.passwordFile)
		if err != nil {
			return nil, fmt.Errorf("open build store %s: %w", shown, err)
		}
		cfg.Password = pw
	}
	if o.readOnly {
		cfg.RuntimeParams["default_transaction_read_only"] = "on"
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if o.readOnly {
		db := newPGPool(cfg)
		cur, err := currentVersion(ctx, db)
		if err == nil {
			err = checkVersion(shown, cur)
		}
		if err != nil {
			db.Close()
			return nil, fmt.Errorf("open build store %s read-only: %w", shown, err)
		}
		return &Store{db: db, d: postgresDialect, path: shown}, nil
	}
	db, err := openPGPool(ctx, cfg, shown)
	if err != nil {
		return nil, err
	}
	s := &Store{db: db, d: postgresDialect, path: shown}
	if err := migrate(ctx, s); err != nil {
		db.Close()
		return nil, fmt.Errorf("open build store %s: %w", shown, err)
	}
	return s, nil
}

// readPassword returns the first line of a password file.
func readPassword(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("read the database password: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	if !sc.Scan() {
		if err := sc.Err(); err != nil {
			return "", fmt.Errorf("read the database password %s: %w", path, err)
		}
		return "", errors.New("the database password file " + path + " is empty")
	}
	pw := strings.TrimRight(sc.Text(), "\r")
	if pw == "" {
		return "", errors.New("the database password file " + path + " starts with an empty line")
	}
	return pw, nil
}
