package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/packuilon/packuilon/internal/procgroup"
)

// postgresBin is where Debian's postgresql package puts the server programs.
const postgresBin = "/usr/lib/postgresql/15/bin"

// postgresUser is the superuser of a private cluster.
const postgresUser = "packuilon"

// Postgres is a private PostgreSQL server on 127.0.0.1: its own cluster in a temp directory,
// a free port, password (SCRAM) authentication, and its socket in its own directory.
type Postgres struct {
	Dir  string
	Port int
	// PasswordFile holds the superuser's password (what STATE_DB_PASSWORD_FILE names).
	PasswordFile string
	password     string
	server       *exec.Cmd
	exited       chan struct{}
	// env and cred are the server's environment and user, for a restart (Restart).
	env  []string
	cred *syscall.Credential
}

// StartPostgres initialises a cluster in a new directory under dir (os.TempDir() when empty),
// starts the server and waits until it accepts connections. The caller must call Stop.
// PostgreSQL refuses to run as root: as root, the cluster belongs to the "postgres" user.
func StartPostgres(dir string) (*Postgres, error) {
	if _, err := os.Stat(filepath.Join(postgresBin, "postgres")); err != nil {
		return nil, fmt.Errorf("postgresql is not installed (run make deps): %w", err)
	}
	d, err := os.MkdirTemp(dir, "packuilon-postgres-")
	if err != nil {
		return nil, err
	}
	p := &Postgres{Dir: d, PasswordFile: filepath.Join(d, "password"), exited: make(chan struct{})}
	fail := func(err error) (*Postgres, error) { p.Stop(); return nil, err }
	var pw [16]byte
	rand.Read(pw[:])
	p.password = hex.EncodeToString(pw[:])
	if err := os.WriteFile(p.PasswordFile, []byte(p.password+"\n"), 0o600); err != nil {
		return fail(err)
	}
	cred, err := serverCredential(d, p.PasswordFile)
	if err != nil {
		return fail(err)
	}
	if p.Port, err = FreePort(); err != nil {
		return fail(err)
	}
	out, err := os.OpenFile(filepath.Join(d, "server.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o666)
	if err != nil {
		return fail(err)
	}
	defer out.Close()
	p.env, p.cred = []string{"PATH=/usr/bin:/bin", "LANG=C", "LC_ALL=C", "HOME=" + d, "PGSYSCONFDIR=" + d, "TZ=UTC"}, cred
	initdb := exec.Command(filepath.Join(postgresBin, "initdb"), "-D", filepath.Join(d, "data"), "-U", postgresUser,
		"--pwfile", p.PasswordFile, "--auth", "scram-sha-256", "-E", "UTF8", "--no-locale", "--no-sync")
	initdb.Env, initdb.Dir, initdb.Stdout, initdb.Stderr = p.env, d, out, out
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGKILL}
	if err := initdb.Run(); err != nil {
		return fail(fmt.Errorf("initdb (log in %s): %w", d, err))
	}
	if err := p.startServer(); err != nil {
		return fail(err)
	}
	return p, nil
}

// startServer starts the server on the cluster (its settings are PostgreSQL's defaults, fsync
// and synchronous_commit on, but for the ones below) and waits until it accepts connections.
func (p *Postgres) startServer() error {
	out, err := os.OpenFile(filepath.Join(p.Dir, "server.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o666)
	if err != nil {
		return err
	}
	defer out.Close()
	cmd := exec.Command(filepath.Join(postgresBin, "postgres"), "-D", filepath.Join(p.Dir, "data"),
		"-c", "listen_addresses=127.0.0.1", "-p", strconv.Itoa(p.Port), "-c", "unix_socket_directories="+p.Dir,
		"-c", "max_connections=200", "-c", "shared_buffers=32MB", "-c", "logging_collector=off")
	cmd.Env, cmd.Dir, cmd.Stdout, cmd.Stderr = p.env, p.Dir, out, out
	// Pdeathsig: a test binary killed by its timeout (no cleanup) must not leave a server behind.
	// SIGQUIT is PostgreSQL's immediate shutdown.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Credential: p.cred, Pdeathsig: syscall.SIGQUIT}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start postgres: %w", err)
	}
	// Described before it is reaped (its /proc entry is there even if it exited at once); when
	// that fails, the zero Group has no member, and any listener on the port is another's.
	group, _ := procgroup.Describe(cmd.Process.Pid)
	exited := make(chan struct{})
	p.server, p.exited = cmd, exited
	go func() { cmd.Wait(); close(exited) }()
	if err := p.waitReady(60 * time.Second); err != nil {
		select {
		case <-exited:
			// Another process listening on the port: the server could not bind it.
			err = takenAfterExit(err, group, p.Port)
		default:
		}
		return fmt.Errorf("postgres did not start (log in %s): %w", p.Dir, err)
	}
	return nil
}

// serverCredential returns the credential the server runs with: nil for a normal user; as
// root, the "postgres" user, who is then given the directory and the password file.
func serverCredential(dir, pwfile string) (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("running as root, the private PostgreSQL needs the postgres user: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	for _, p := range []string{dir, pwfile} {
		if err := os.Chown(p, uid, gid); err != nil {
			return nil, err
		}
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// waitReady polls until the server takes a connection.
func (p *Postgres) waitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := p.exec(ctx, "postgres", "SELECT 1")
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-p.exited:
			return fmt.Errorf("the server exited: %w", err)
		default:
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// exec runs one statement as the superuser in database db.
func (p *Postgres) exec(ctx context.Context, db, stmt string) error {
	cfg, err := pgx.ParseConfig(p.URL(db))
	if err != nil {
		return err
	}
	cfg.Password = p.password
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, stmt)
	return err
}

// URL is the postgres:// URL of database db, without the password (it is in PasswordFile).
func (p *Postgres) URL(db string) string {
	return fmt.Sprintf("postgres://%s@127.0.0.1:%d/%s?sslmode=disable", postgresUser, p.Port, db)
}

// CreateDatabase creates an empty database and returns its URL.
func (p *Postgres) CreateDatabase(name string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := p.exec(ctx, "postgres", "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return "", fmt.Errorf("create database %s: %w", name, err)
	}
	return p.URL(name), nil
}

// Stop shuts the server down (fast shutdown, then SIGKILL) and removes its directory.
func (p *Postgres) Stop() {
	if p.server != nil && p.server.Process != nil {
		p.server.Process.Signal(syscall.SIGINT)
		select {
		case <-p.exited:
		case <-time.After(20 * time.Second):
			syscall.Kill(-p.server.Process.Pid, syscall.SIGKILL)
			<-p.exited
		}
	}
	os.RemoveAll(p.Dir)
}

var (
	sharedPostgresOnce sync.Once
	sharedPostgres     *Postgres
	sharedPostgresErr  error
)

// SharedPostgres returns the package's PostgreSQL server, starting it on first use; Main
// stops it. Each test takes a database of its own with NewDatabase.
func SharedPostgres(t testing.TB) *Postgres {
	t.Helper()
	Need(t, filepath.Join(postgresBin, "postgres"), filepath.Join(postgresBin, "initdb"))
	sharedPostgresOnce.Do(func() {
		sharedPostgres, sharedPostgresErr = StartPostgres("")
		if sharedPostgresErr == nil {
			atExit(sharedPostgres.Stop)
		}
	})
	if sharedPostgresErr != nil {
		t.Fatalf("start postgres: %v", sharedPostgresErr)
	}
	return sharedPostgres
}

// NewDatabase creates a database for one test and returns its URL.
func (p *Postgres) NewDatabase(t testing.TB) string {
	t.Helper()
	var b [6]byte
	rand.Read(b[:])
	url, err := p.CreateDatabase("t_" + hex.EncodeToString(b[:]))
	if err != nil {
		t.Fatal(err)
	}
	return url
}
