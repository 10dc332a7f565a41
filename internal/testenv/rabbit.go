package testenv

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/packuilon/packuilon/internal/config"
)

const rabbitBin = "/usr/lib/rabbitmq/bin"

// Rabbit is a private RabbitMQ broker on 127.0.0.1 with its own node name, epmd, cookie and
// state directory, so several can run at once and none touches the system's broker.
type Rabbit struct {
	Dir      string
	Node     string
	Port     int
	EPMDPort int
	distPort int
	epmd     *exec.Cmd
	server   *exec.Cmd
	exited   chan struct{}
}

// StartRabbit starts a broker in a new directory under dir (os.TempDir() when empty) and waits
// until it accepts AMQP connections. The caller must call Stop.
func StartRabbit(dir string) (*Rabbit, error) {
	if _, err := os.Stat(filepath.Join(rabbitBin, "rabbitmq-server")); err != nil {
		return nil, fmt.Errorf("rabbitmq-server is not installed (run make deps): %w", err)
	}
	d, err := os.MkdirTemp(dir, "packuilon-rabbit-")
	if err != nil {
		return nil, err
	}
	r := &Rabbit{Dir: d, Node: fmt.Sprintf("packuilon%d@localhost", os.Getpid()%100000*1000+int(time.Now().UnixNano()%1000)), exited: make(chan struct{})}
	if err := r.start(); err != nil {
		r.stopProcesses()
		return nil, startFailed("rabbitmq", d, err, "log", "server.log")
	}
	return r, nil
}

// start writes the private configuration and starts epmd and the broker.
func (r *Rabbit) start() error {
	d := r.Dir
	var err error
	for _, p := range []*int{&r.Port, &r.EPMDPort, &r.distPort} {
		if *p, err = FreePort(); err != nil {
			return err
		}
	}
	for _, sub := range []string{"mnesia", "log", "home", "conf.d"} {
		if err := os.MkdirAll(filepath.Join(d, sub), 0o700); err != nil {
			return err
		}
	}
	conf := fmt.Sprintf(`listeners.tcp.default = 127.0.0.1:%d
distribution.listener.interface = 127.0.0.1
distribution.listener.port_range.min = %d
distribution.listener.port_range.max = %d
log.console = false
log.file.level = warning
loopback_users = none
`, r.Port, r.distPort, r.distPort)
	// Every file the broker and its scripts would otherwise look for under /etc/rabbitmq
	// (rabbitmq-env.conf, rabbitmq.conf, conf.d, advanced.config, enabled_plugins) is ours, and
	// the Erlang cookie is in the private HOME.
	files := map[string]string{
		"rabbitmq.conf":     conf,
		"enabled_plugins":   "[].\n",
		"advanced.config":   "[].\n",
		"rabbitmq-env.conf": "# empty: every setting is given in the environment\n",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(d, name), []byte(content), 0o600); err != nil {
			return err
		}
	}
	r.epmd = exec.Command("epmd", "-address", "127.0.0.1", "-port", strconv.Itoa(r.EPMDPort))
	r.epmd.Env = r.env()
	// Pdeathsig: a test binary killed by its timeout (no cleanup) must not leave a broker behind.
	r.epmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := r.epmd.Start(); err != nil {
		return fmt.Errorf("start epmd: %w", err)
	}
	return r.startServer()
}

// env is the broker's and its CLI's environment: the caller's without any RABBITMQ_* or ERL_*
// setting, and every path the scripts would take from /etc/rabbitmq or /var/lib/rabbitmq set
// to the private directory.
func (r *Rabbit) env() []string {
	d := r.Dir
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "RABBITMQ_") || strings.HasPrefix(kv, "ERL_") || strings.HasPrefix(kv, "HOME=") {
			continue
		}
		env = append(env, kv)
	}
	return append(env,
		"HOME="+filepath.Join(d, "home"),
		"ERL_EPMD_PORT="+strconv.Itoa(r.EPMDPort),
		"ERL_EPMD_ADDRESS=127.0.0.1",
		"RABBITMQ_NODENAME="+r.Node,
		"RABBITMQ_CONF_ENV_FILE="+filepath.Join(d, "rabbitmq-env.conf"),
		"RABBITMQ_CONFIG_FILE="+filepath.Join(d, "rabbitmq"),
		"RABBITMQ_CONFIG_FILES="+filepath.Join(d, "conf.d"),
		"RABBITMQ_ADVANCED_CONFIG_FILE="+filepath.Join(d, "advanced.config"),
		"RABBITMQ_ENABLED_PLUGINS_FILE="+filepath.Join(d, "enabled_plugins"),
		"RABBITMQ_MNESIA_BASE="+filepath.Join(d, "mnesia"),
		"RABBITMQ_LOG_BASE="+filepath.Join(d, "log"),
		"RABBITMQ_PID_FILE="+filepath.Join(d, "rabbit.pid"),
		"RABBITMQ_MOTD_FILE="+filepath.Join(d, "motd"),
		"RABBITMQ_NODE_IP_ADDRESS=127.0.0.1",
		"RABBITMQ_NODE_PORT="+strconv.Itoa(r.Port),
		"RABBITMQ_DIST_PORT="+strconv.Itoa(r.distPort),
	)
}

func (r *Rabbit) startServer() error {
	out, err := os.OpenFile(filepath.Join(r.Dir, "server.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	cmd := exec.Command(filepath.Join(rabbitBin, "rabbitmq-server"))
	cmd.Env = r.env()
	cmd.Dir = r.Dir
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		out.Close()
		return fmt.Errorf("start rabbitmq-server: %w", err)
	}
	r.server = cmd
	exited := make(chan struct{})
	r.exited = exited
	go func() { cmd.Wait(); out.Close(); close(exited) }()
	addr := fmt.Sprintf("127.0.0.1:%d", r.Port)
	if err := WaitTCP(addr, 90*time.Second); err != nil {
		return fmt.Errorf("rabbitmq did not start: %w", err)
	}
	// await_startup fails at once if the node has not registered with epmd yet: poll the port first.
	if _, err := r.Ctl("await_startup", "--timeout", "60"); err != nil {
		return fmt.Errorf("rabbitmq did not finish starting: %w", err)
	}
	return nil
}

// Ctl runs rabbitmqctl against this broker and returns its output.
func (r *Rabbit) Ctl(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(rabbitBin, "rabbitmqctl"), append([]string{"-q", "-n", r.Node}, args...)...)
	cmd.Env = r.env()
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	if err := cmd.Run(); err != nil {
		return buf.String(), fmt.Errorf("rabbitmqctl %v: %w: %s", args, err, buf.String())
	}
	return buf.String(), nil
}

// StopApp closes the AMQP listener and every connection (the broker process stays), the
// cheapest realistic outage.
func (r *Rabbit) StopApp() error { _, err := r.Ctl("stop_app"); return err }

// StartApp opens the broker again after StopApp.
func (r *Rabbit) StartApp() error {
	if _, err := r.Ctl("start_app"); err != nil {
		return err
	}
	return WaitTCP(fmt.Sprintf("127.0.0.1:%d", r.Port), 60*time.Second)
}

// CloseConnections force-closes every client connection (CONNECTION_FORCED).
func (r *Rabbit) CloseConnections() error {
	_, err := r.Ctl("close_all_connections", "--global", "test")
	return err
}

// Stop stops the broker and its epmd and removes its directory.
func (r *Rabbit) Stop() {
	r.stopProcesses()
	os.RemoveAll(r.Dir)
}

// Halt stops the broker and its epmd and keeps the directory and its logs (after a failure).
func (r *Rabbit) Halt() { r.stopProcesses() }

// stopProcesses stops the broker and its epmd and keeps the directory.
func (r *Rabbit) stopProcesses() {
	if r.server != nil && r.server.Process != nil {
		select {
		case <-r.exited:
		default:
			r.Ctl("stop", filepath.Join(r.Dir, "rabbit.pid"))
			select {
			case <-r.exited:
			case <-time.After(20 * time.Second):
				syscall.Kill(-r.server.Process.Pid, syscall.SIGKILL)
			}
		}
	}
	if pid, err := os.ReadFile(filepath.Join(r.Dir, "rabbit.pid")); err == nil {
		if n, err := strconv.Atoi(string(bytes.TrimSpace(pid))); err == nil && syscall.Kill(n, 0) == nil {
			syscall.Kill(n, syscall.SIGKILL)
		}
	}
	if r.epmd != nil && r.epmd.Process != nil {
		r.epmd.Process.Kill()
		r.epmd.Wait()
	}
}

// Global returns a [global] config section pointing at this broker, with the given queue.
func (r *Rabbit) Global(queue string) config.Global {
	return config.Global{
		Queue:       queue,
		RabbitHost:  "127.0.0.1",
		RabbitPort:  r.Port,
		RabbitUser:  "guest",
		RabbitPW:    "guest",
		RabbitVHost: "/",
		LogTarget:   "stderr",
		LogLevel:    "debug",
	}
}

var (
	sharedRabbitOnce sync.Once
	sharedRabbit     *Rabbit
	sharedRabbitErr  error
)

// SharedRabbit returns the package's broker, starting it on first use; Main stops it.
// Tests that stop or restart the broker should use their own StartRabbit instead.
func SharedRabbit(t testing.TB) *Rabbit {
	t.Helper()
	Need(t, "epmd", filepath.Join(rabbitBin, "rabbitmq-server"))
	sharedRabbitOnce.Do(func() {
		sharedRabbit, sharedRabbitErr = StartRabbit("")
		if sharedRabbitErr == nil {
			atExit(sharedRabbit.Stop)
		}
	})
	if sharedRabbitErr != nil {
		t.Fatalf("start rabbitmq: %v", sharedRabbitErr)
	}
	return sharedRabbit
}

// PrivateRabbit starts a broker for one test (for fault injection) and stops it at cleanup.
func PrivateRabbit(t testing.TB) *Rabbit {
	t.Helper()
	Need(t, "epmd", filepath.Join(rabbitBin, "rabbitmq-server"))
	r, err := StartRabbit("")
	if err != nil {
		t.Fatalf("start rabbitmq: %v", err)
	}
	t.Cleanup(r.Stop)
	return r
}
