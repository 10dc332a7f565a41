package testenv

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/packuilon/packuilon/internal/fsutil"
)

// Credential is one Keystone user scoped to one project, as an openrc file would give it.
type Credential struct {
	Username string
	Password string
	Project  string
}

// OpenStack is a private Keystone (uwsgi, sqlite in WAL mode, fernet tokens) and Glance
// (eventlet glance-api with one process unless asked for workers, file store, sqlite in WAL mode) on free loopback ports,
// with all state in Dir. Nothing under /etc or /var/lib is written.
//
// Identity: project "admin" with user "admin" (role admin) owns images; project "tenant2" with
// user "user2" (role member) consumes them; project "service" holds the "glance" service user.
// The catalog has identity and image endpoints (public, internal, admin) in RegionOne.
//
// Glance enforces a property protection file: properties named "x_protected_*" may only be
// written by the role ProtectedRole, so tests can provoke the 403 Glance gives for a protected
// property.
type OpenStack struct {
	Dir          string
	KeystonePort int
	GlancePort   int
	// AuthURL is Keystone's v3 URL, GlanceURL Glance's root URL.
	AuthURL   string
	GlanceURL string
	// Admin owns the images; User2 is a member of Tenant2ID.
	Admin     Credential
	User2     Credential
	AdminID   string
	Tenant2ID string
	// ServiceProjectID is the project of the glance service user.
	ServiceProjectID string

	// glanceWorkers is glance-api's workers option: 0, one process, unless a test asks for more.
	glanceWorkers int
	keystone      *service
	glanceMu      sync.Mutex
	glance        *service
}

// ProtectedPrefix names the properties the test Glance protects; ProtectedRole may write them.
const (
	ProtectedPrefix = "x_protected_"
	ProtectedRole   = "propwriter"
)

const (
	region         = "RegionOne"
	adminPassword  = "adminpw"
	glancePassword = "glancepw"
	user2Password  = "user2pw"
	startTimeout   = 2 * time.Minute
)

// StartOpenStack starts Keystone and Glance in a new directory under dir (os.TempDir() when
// empty) and returns when both answer and the identity objects exist. The caller must call Stop.
func StartOpenStack(dir string) (*OpenStack, error) { return startOpenStack(dir, 0) }

func startOpenStack(dir string, glanceWorkers int) (*OpenStack, error) {
	// A port lost to another process between FreePort and the service's bind is not the
	// stack's fault: start again on new ports, in a new directory.
	const attempts = 3
	for i := 1; ; i++ {
		o, err := startOpenStackOnce(dir, glanceWorkers)
		if i == attempts || !errors.Is(err, errPortTaken) {
			return o, err
		}
		var se *StartError
		if errors.As(err, &se) {
			os.RemoveAll(se.Dir)
		}
	}
}

func startOpenStackOnce(dir string, glanceWorkers int) (*OpenStack, error) {
	for _, p := range []string{"uwsgi", "keystone-manage", "glance-api", "glance-manage", "sqlite3"} {
		if _, err := lookPath(p); err != nil {
			return nil, fmt.Errorf("%s is not installed (run make deps): %w", p, err)
		}
	}
	d, err := os.MkdirTemp(dir, "packuilon-openstack-")
	if err != nil {
		return nil, err
	}
	o := &OpenStack{
		Dir:   d,
		Admin: Credential{Username: "admin", Password: adminPassword, Project: "admin"},
		User2: Credential{Username: "user2", Password: user2Password, Project: "tenant2"},

		glanceWorkers: glanceWorkers,
	}
	for _, p := range []*int{&o.KeystonePort, &o.GlancePort} {
		if *p, err = FreePort(); err != nil {
			os.RemoveAll(d)
			return nil, err
		}
	}
	o.AuthURL = fmt.Sprintf("http://127.0.0.1:%d/v3", o.KeystonePort)
	o.GlanceURL = fmt.Sprintf("http://127.0.0.1:%d", o.GlancePort)
	for _, sub := range []string{"keystone/conf.d", "keystone/policy.d", "keystone/lock", "glance/conf.d", "glance/policy.d",
		"glance/images", "glance/staging", "glance/tasks", "glance/lock", "log", "home"} {
		if err := os.MkdirAll(filepath.Join(d, sub), 0o700); err != nil {
			os.RemoveAll(d)
			return nil, err
		}
	}
	if err := o.start(); err != nil {
		o.stopProcesses()
		return nil, startFailed("keystone + glance", d, err, "log")
	}
	return o, nil
}

func (o *OpenStack) start() error {
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	if err := o.writeKeystoneConfig(); err != nil {
		return err
	}
	if err := o.writeGlanceConfig(); err != nil {
		return err
	}
	// The database migrations are the slow part (Python start-up); the two services' are
	// independent, so they run side by side.
	var wg sync.WaitGroup
	errs := make([]error, 2)
	wg.Add(2)
	go func() { defer wg.Done(); errs[0] = o.prepareKeystone(ctx) }()
	go func() { defer wg.Done(); errs[1] = o.prepareGlance(ctx) }()
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	if err := o.startKeystone(); err != nil {
		return err
	}
	if err := o.setupIdentity(ctx); err != nil {
		return fmt.Errorf("identity setup: %w", err)
	}
	if err := o.StartGlance(); err != nil {
		return err
	}
	return o.waitCatalog(ctx)
}

// Stop stops Glance and Keystone and removes the directory.
func (o *OpenStack) Stop() {
	o.stopProcesses()
	os.RemoveAll(o.Dir)
}

// Halt stops Glance and Keystone and keeps the directory and its logs (after a failure).
func (o *OpenStack) Halt() { o.stopProcesses() }

// stopProcesses stops Glance and Keystone and keeps the directory.
func (o *OpenStack) stopProcesses() {
	o.StopGlance()
	if o.keystone != nil {
		o.keystone.stop()
	}
}

// Env is the OS_* environment for a credential, as the openstack CLI and packer read it.
func (o *OpenStack) Env(c Credential) []string {
	return []string{
		"OS_AUTH_URL=" + o.AuthURL,
		"OS_IDENTITY_API_VERSION=3",
		"OS_IMAGE_API_VERSION=2",
		"OS_USERNAME=" + c.Username,
		"OS_PASSWORD=" + c.Password,
		"OS_PROJECT_NAME=" + c.Project,
		"OS_USER_DOMAIN_NAME=Default",
		"OS_PROJECT_DOMAIN_NAME=Default",
		"OS_REGION_NAME=" + region,
		"OS_INTERFACE=public",
	}
}

// AdminEnv is Env(o.Admin).
func (o *OpenStack) AdminEnv() []string { return o.Env(o.Admin) }

// WriteOpenRC writes an openrc file ("export OS_X=...") for c at path, mode 0600.
func (o *OpenStack) WriteOpenRC(path string, c Credential) error {
	var b strings.Builder
	b.WriteString("# written by packuilon testenv\n")
	for _, kv := range o.Env(c) {
		k, v, _ := strings.Cut(kv, "=")
		fmt.Fprintf(&b, "export %s=%q\n", k, v)
	}
	return fsutil.WriteFile(path, []byte(b.String()), 0o600)
}

var (
	sharedOpenStackOnce sync.Once
	sharedOpenStack     *OpenStack
	sharedOpenStackErr  error
)

func needOpenStack(t testing.TB) {
	t.Helper()
	Need(t, "uwsgi", "keystone-manage", "glance-api", "glance-manage", "sqlite3")
}

// SharedOpenStack returns the package's Keystone + Glance, starting them on first use; Main
// stops them. Tests that stop Glance should use PrivateOpenStack instead, unless they run
// sequentially and start it again.
func SharedOpenStack(t testing.TB) *OpenStack {
	t.Helper()
	needOpenStack(t)
	sharedOpenStackOnce.Do(func() {
		sharedOpenStack, sharedOpenStackErr = StartOpenStack("")
		if sharedOpenStackErr == nil {
			atExit(sharedOpenStack.Stop)
		}
	})
	if sharedOpenStackErr != nil {
		t.Fatalf("start keystone + glance: %v", sharedOpenStackErr)
	}
	return sharedOpenStack
}

// PrivateOpenStack starts Keystone + Glance for one test and stops them at cleanup.
func PrivateOpenStack(t testing.TB) *OpenStack { return PrivateOpenStackWorkers(t, 0) }

// PrivateOpenStackWorkers is PrivateOpenStack with glance-api forking workers processes, as a
// site's Glance does (its default is one per core); 0 serves from one process, as the shared one does.
func PrivateOpenStackWorkers(t testing.TB, workers int) *OpenStack {
	t.Helper()
	needOpenStack(t)
	o, err := startOpenStack("", workers)
	if err != nil {
		t.Fatalf("start keystone + glance: %v", err)
	}
	t.Cleanup(o.Stop)
	return o
}
