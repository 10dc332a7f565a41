package testenv

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/packuilon/packuilon/internal/fsutil"
)

// Rally is a private Rally database and deployment for the loopback OpenStack: its own
// --config-file (Debian's /etc/rally/rally.conf is broken, see STACK.md), sqlite database and
// HOME, so nothing of the machine's Rally is touched.
type Rally struct {
	Dir string
	// ConfigFile is rally's --config-file; DeploymentUUID the deployment of the loopback cloud.
	ConfigFile     string
	DeploymentUUID string
}

const rallySetupTimeout = 2 * time.Minute

var uuidLine = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

// StartRally creates the database and a deployment of o in a new directory under dir.
//
// The deployment has the admin as an existing user too, instead of what `deployment create
// --fromenv` gives (admin only, so Rally creates temporary users): candidates are private to
// the image admin's project, and temporary users could neither see nor boot them.
func StartRally(dir string, o *OpenStack) (*Rally, error) {
	if _, err := lookPath("rally"); err != nil {
		return nil, fmt.Errorf("rally is not installed (run make deps): %w", err)
	}
	d, err := os.MkdirTemp(dir, "packuilon-rally-")
	if err != nil {
		return nil, err
	}
	r := &Rally{Dir: d, ConfigFile: filepath.Join(d, "rally.conf")}
	if err := r.setup(o); err != nil {
		return nil, startFailed("rally", d, err, "log")
	}
	return r, nil
}

// setup writes the configuration and deployment spec into r.Dir and creates both.
func (r *Rally) setup(o *OpenStack) error {
	d := r.Dir
	for _, sub := range []string{"log", "conf.d"} {
		if err := os.MkdirAll(filepath.Join(d, sub), 0o700); err != nil {
			return err
		}
	}
	conf := fmt.Sprintf("[DEFAULT]\nlog_file = %s\n[database]\nconnection = sqlite:///%s\n[openstack]\nnova_server_boot_prepoll_delay = 0\nnova_server_delete_prepoll_delay = 0\nnova_server_boot_poll_interval = 0.5\nnova_server_delete_poll_interval = 0.5\n",
		filepath.Join(d, "log", "rally.log"), filepath.Join(d, "rally.db"))
	if err := fsutil.WriteFile(r.ConfigFile, []byte(conf), 0o600); err != nil {
		return err
	}
	admin := map[string]string{"username": o.Admin.Username, "password": o.Admin.Password, "project_name": o.Admin.Project,
		"user_domain_name": "Default", "project_domain_name": "Default"}
	spec, err := json.Marshal(map[string]any{"openstack": map[string]any{
		"auth_url": o.AuthURL, "region_name": region, "endpoint_type": "public",
		"admin": admin, "users": []any{admin},
	}})
	if err != nil {
		return err
	}
	specPath := filepath.Join(d, "deployment.json")
	if err := fsutil.WriteFile(specPath, spec, 0o600); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), rallySetupTimeout)
	defer cancel()
	if _, err := r.Run(ctx, "db", "create"); err != nil {
		return err
	}
	if _, err := r.Run(ctx, "deployment", "create", "--file", specPath, "--name", "loopback", "--no-use"); err != nil {
		return err
	}
	out, err := r.Run(ctx, "deployment", "list")
	if err != nil {
		return err
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, "loopback") {
			r.DeploymentUUID = uuidLine.FindString(line)
		}
	}
	if r.DeploymentUUID == "" {
		return fmt.Errorf("no deployment uuid in rally deployment list: %s", out)
	}
	return nil
}

// Run runs rally with the private --config-file and HOME and returns its output.
func (r *Rally) Run(ctx context.Context, args ...string) (string, error) {
	bin, err := lookPath("rally")
	if err != nil {
		return "", err
	}
	cmd := exec.CommandContext(ctx, bin, append([]string{"--config-file", r.ConfigFile, "--config-dir", filepath.Join(r.Dir, "conf.d")}, args...)...)
	cmd.Env = append(systemPathEnv(), "HOME="+r.Dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("rally %s: %w: %s", strings.Join(args, " "), err, tail(out))
	}
	return string(out), nil
}

func tail(b []byte) string {
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

// Stop removes the directory (Rally runs no daemon).
func (r *Rally) Stop() { os.RemoveAll(r.Dir) }

var (
	sharedRallyOnce sync.Once
	sharedRally     *Rally
	sharedRallyErr  error
)

// SharedRally returns the package's Rally deployment of SharedOpenStack, whose catalog has the
// Nova simulator as compute; Main removes it.
func SharedRally(t testing.TB) (*OpenStack, *NovaSim, *Rally) {
	t.Helper()
	Need(t, "rally")
	o, sim := SharedNovaSim(t)
	sharedRallyOnce.Do(func() {
		sharedRally, sharedRallyErr = StartRally("", o)
		if sharedRallyErr == nil {
			atExit(sharedRally.Stop)
		}
	})
	if sharedRallyErr != nil {
		t.Fatalf("set up rally: %v", sharedRallyErr)
	}
	return o, sim, sharedRally
}
