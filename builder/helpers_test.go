package builder

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	amqp091 "github.com/rabbitmq/amqp091-go"

	"github.com/packuilon/packuilon/internal/amqp"
	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/event"
	"github.com/packuilon/packuilon/internal/state"
	"github.com/packuilon/packuilon/internal/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

// needPacker skips (or fails under make test) when packer is not installed.
func needPacker(t testing.TB) {
	t.Helper()
	if _, err := os.Stat("/usr/bin/packer"); err != nil {
		if os.Getenv(testenv.RequireEnv) != "" {
			t.Fatal("packer is not installed (run make deps)")
		}
		t.Skip("packer is not installed (run make deps, or use make test)")
	}
}

// copyTree copies testdata/tree (an /etc/packer-utils-style tree) into a temp dir and returns
// the path of its config.ini.
func copyTree(t testing.TB) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir("testdata/tree", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel("testdata/tree", p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dst, "config.ini")
}

// loadTree copies the tree and loads its config pointed at broker queue g.
func loadTree(t testing.TB, g config.Global) *config.Config {
	t.Helper()
	cfg, err := config.Load(copyTree(t))
	if err != nil {
		t.Fatal(err)
	}
	g.StateDir = cfg.Global.StateDir
	cfg.Global = g
	return cfg
}

// setAuth appends exports to the tree's packer auth file (the packer environment).
func setAuth(t testing.TB, cfg *config.Config, lines ...string) {
	t.Helper()
	f, err := os.OpenFile(cfg.Builder.PackerAuthFile, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, l := range lines {
		if _, err := f.WriteString(l + "\n"); err != nil {
			t.Fatal(err)
		}
	}
}

// startDaemon runs the builder in this process until the test ends.
func startDaemon(t testing.TB, cfg *config.Config, started func(int)) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	level := hclog.Info
	if _, bench := t.(*testing.B); bench { // benchmark logs are always printed: keep them short
		level = hclog.Warn
	}
	log := hclog.New(&hclog.LoggerOptions{Name: "test", Level: level, Output: testWriter{t}})
	go func() { done <- Run(ctx, Options{Config: cfg, Log: log, PackerStarted: started}) }()
	stopped := false
	stop = func() error {
		if stopped {
			return nil
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(2 * time.Minute):
			return errors.New("daemon did not stop")
		}
	}
	t.Cleanup(func() { stop() })
	return stop
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// request returns a valid v1 request for a personality.
func request(personality, digest string) event.BuildRequest {
	r := event.NewRequest(event.Spec{Personality: personality, Archetype: "ral-tier1", OS: "sl", OSVersion: "7x-x86_64",
		Branch: event.Branch{Type: event.BranchDomain, Name: "prod"}}, event.ReasonProfileChanged)
	r.ProfileDigest = digest
	return r
}

// dial connects to the test's broker; the connection closes with the test.
func dial(t testing.TB, g config.Global) *amqp091.Connection {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := amqp.Dial(ctx, g)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// publish sends raw bodies to the queue with confirms.
func publish(t testing.TB, g config.Global, bodies ...[]byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn := dial(t, g)
	pub, err := amqp.NewPublisher(conn, g.Queue)
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	var ds []amqp.Deferred
	for i, b := range bodies {
		d, err := pub.Send(ctx, amqp.Message{Body: b, MessageID: "m" + string(rune('a'+i%26)), Type: event.Schema})
		if err != nil {
			t.Fatal(err)
		}
		ds = append(ds, d)
	}
	for _, d := range ds {
		if err := d.Wait(ctx); err != nil {
			t.Fatal(err)
		}
	}
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// openStore opens the tree's build store as the CLI would, from outside the daemon.
func openStore(t testing.TB, cfg *config.Config) *state.Store {
	t.Helper()
	st, err := openBuildStore(cfg.Builder)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// waitFor polls cond until it holds, failing the test after timeout. It is a deadline for
// progress, not a timing assertion.
func waitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// builds lists every build of the store.
func builds(t testing.TB, st *state.Store, key string) []state.Record {
	t.Helper()
	recs, err := st.List(context.Background(), state.Filter{ImageKey: key, Limit: 10000})
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// countStates counts the builds of a key per state.
func countStates(recs []state.Record) map[state.State]int {
	m := map[state.State]int{}
	for _, r := range recs {
		m[r.State]++
	}
	return m
}

// allDone reports whether no build is queued or running.
func allDone(recs []state.Record) bool {
	for _, r := range recs {
		if !r.State.Terminal() {
			return false
		}
	}
	return len(recs) > 0
}
