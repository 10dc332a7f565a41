// Command demo runs packuilon's whole pipeline on local, real services and bundled sample
// profiles: a private RabbitMQ, Keystone + Glance from Debian, the Nova API simulator (Nova
// cannot run here), real Packer with its openstack builder, and the packuilon binary itself.
// It is what `make demo` runs; everything it starts lives under ./demo-run and is stopped at the end.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/packuilon/packuilon/internal/testenv"
)

func main() { os.Exit(run()) }

func run() int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	d, err := newDemo(ctx)
	if err != nil {
		// A service that could not start says where its logs are and quotes the failing one.
		fmt.Fprintln(os.Stderr, "demo:", err)
		if d != nil {
			d.close(true)
			fmt.Fprintln(os.Stderr, "every service was stopped; their files and logs stay in", d.dir)
		}
		return 1
	}
	if err := d.play(ctx); err != nil {
		d.close(true)
		fmt.Fprintln(os.Stderr, "\ndemo failed:", err)
		fmt.Fprintln(os.Stderr, "every service was stopped; their files and logs (builder.log, the services' log/ directories) stay in", d.dir)
		return 1
	}
	d.close(false)
	fmt.Println("\nThe demo is complete. Everything it started has been stopped; its files stay in", d.dir)
	return 0
}

// demo holds the services and the site tree.
type demo struct {
	dir, bin, config string
	rabbit           *testenv.Rabbit
	os               *testenv.OpenStack
	nova             *testenv.NovaSim
	profiles         *testenv.ProfileServer
	builder          *daemon
	sources          map[string]string
	// smtp receives the builder's mails; http is the builder's HTTP_LISTEN (status page).
	smtp *testenv.SMTP
	http string
}

func newDemo(ctx context.Context) (*demo, error) {
	wd, _ := os.Getwd()
	d := &demo{dir: filepath.Join(wd, "demo-run"), bin: filepath.Join(wd, "bin", "packuilon")}
	if _, err := os.Stat(d.bin); err != nil {
		return nil, fmt.Errorf("build the binary first (make build): %w", err)
	}
	os.RemoveAll(d.dir)
	if err := os.MkdirAll(filepath.Join(d.dir, "home"), 0o700); err != nil {
		return nil, err
	}
	privateEnv(filepath.Join(d.dir, "home"))
	var err error
	step("Starting a private RabbitMQ on loopback")
	if d.rabbit, err = testenv.StartRabbit(d.dir); err != nil {
		return d, err
	}
	say("amqp://127.0.0.1:%d (node %s)", d.rabbit.Port, d.rabbit.Node)
	step("Starting Keystone and Glance (Debian packages) on loopback, and the Nova API simulator")
	t0 := time.Now()
	if d.os, err = testenv.StartOpenStack(d.dir); err != nil {
		return d, err
	}
	if d.nova, err = testenv.StartNovaSim(ctx, d.os); err != nil {
		return d, err
	}
	say("keystone %s, glance %s, compute (simulator) %s — up in %s", d.os.AuthURL, d.os.GlanceURL, d.nova.URL, time.Since(t0).Round(time.Second))
	if d.profiles, err = testenv.StartProfileServer(testenv.ProfileServerOptions{}); err != nil {
		return d, err
	}
	step("Starting an SMTP server on loopback (aiosmtpd) to receive the builder's mails")
	if d.smtp, err = testenv.StartSMTPServer(filepath.Join(d.dir, "smtp"), testenv.SMTPOptions{}); err != nil {
		return d, err
	}
	port, err := testenv.FreePort()
	if err != nil {
		return d, err
	}
	d.http = fmt.Sprintf("127.0.0.1:%d", port)
	say("smtp://%s, mails kept in %s", d.smtp.Addr, d.smtp.Maildir)
	return d, nil
}

// close stops everything; keep leaves the services' directories (and logs) in place.
func (d *demo) close(keep bool) {
	if d.builder != nil {
		d.builder.stop()
	}
	if d.profiles != nil {
		d.profiles.Close()
	}
	if d.smtp != nil {
		d.smtp.Stop()
	}
	if d.nova != nil {
		d.nova.Stop()
	}
	if d.os != nil {
		if keep {
			d.os.Halt()
		} else {
			d.os.Stop()
		}
	}
	if d.rabbit != nil {
		if keep {
			d.rabbit.Halt()
		} else {
			d.rabbit.Stop()
		}
	}
}

func step(format string, args ...any) {
	fmt.Printf("\n==> "+format+"\n", args...)
}

func say(format string, args ...any) {
	fmt.Printf("    "+format+"\n", args...)
}

// privateEnv gives everything the demo starts (packuilon, packer, rally) a HOME of its own and
// none of the caller's OS_* variables: nothing of the caller's ~/.packer.d, ~/.rally,
// clouds.yaml or shell session reaches the demo.
func privateEnv(home string) {
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "OS_") {
			os.Unsetenv(k)
		}
	}
	os.Setenv("HOME", home)
}
