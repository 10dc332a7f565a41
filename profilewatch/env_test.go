package profilewatch

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	amqp091 "github.com/rabbitmq/amqp091-go"

	"github.com/packuilon/packuilon/internal/amqp"
	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/event"
	"github.com/packuilon/packuilon/internal/testenv"
)

func TestMain(m *testing.M) {
	code := testenv.Main(m)
	cleanBinary()
	os.Exit(code)
}

// fixture is one watcher configuration against a real broker and a real profile server.
type fixture struct {
	t        testing.TB
	rmq      *testenv.Rabbit
	srv      *testenv.ProfileServer
	queue    string
	cacheDir string
	cfgPath  string
	cfg      *config.Config
}

// newFixture writes a config.ini for rmq and a new profile server; extra lines go into [cdb2rabbit].
func newFixture(t testing.TB, rmq *testenv.Rabbit, o testenv.ProfileServerOptions, extra ...string) *fixture {
	t.Helper()
	f := &fixture{t: t, rmq: rmq, srv: testenv.NewProfileServer(t, o), queue: testenv.UniqueName(t)}
	dir := t.TempDir()
	f.cacheDir = filepath.Join(dir, "profiles")
	f.cfgPath = filepath.Join(dir, "config.ini")
	f.writeConfig(f.srv, extra...)
	return f
}

func (f *fixture) writeConfig(srv *testenv.ProfileServer, extra ...string) {
	f.t.Helper()
	f.writeConfigURLs(srv.IndexURL(), srv.DirURL(), extra...)
}

// writeConfigURLs writes the configuration with the given index and directory URLs; an empty
// dir leaves PROFILE_DIR_URL to its default.
func (f *fixture) writeConfigURLs(info, dir string, extra ...string) {
	f.t.Helper()
	if dir != "" {
		dir = "PROFILE_DIR_URL = " + dir
	}
	ini := fmt.Sprintf(`[global]
QUEUE = %s
RABBIT_HOST = 127.0.0.1
RABBIT_PORT = %d
RABBIT_USER = guest
RABBIT_PW = guest
LOG_LEVEL = debug

[cdb2rabbit]
PROFILE_INFO_URL = %s
%s
PROFILE_MATCH = .cloud.template.json
CACHE_DIR = %s
SCHEDULE = off
UDP_LISTEN = off
HTTP_LISTEN = off
LOCK_TIMEOUT = 5s
%s
`, f.queue, f.rmq.Port, info, dir, f.cacheDir, strings.Join(extra, "\n"))
	// An extra key replaces the line above that sets it (a key set twice is a problem).
	for _, e := range extra {
		if k, _, ok := strings.Cut(e, " = "); ok && strings.Count(ini, "\n"+k+" = ") > 1 {
			ini = strings.Replace(ini, "\n"+k+" = ", "\n# replaced: ", 1)
		}
	}
	if err := os.WriteFile(f.cfgPath, []byte(ini), 0o600); err != nil {
		f.t.Fatal(err)
	}
	cfg, err := config.Load(f.cfgPath)
	if err != nil {
		f.t.Fatal(err)
	}
	f.cfg = cfg
}

func testLogger(t testing.TB) hclog.Logger {
	return hclog.New(&hclog.LoggerOptions{Name: t.Name(), Level: hclog.Debug, Output: os.Stderr})
}

func (f *fixture) scanner() *Scanner {
	f.t.Helper()
	s, err := NewScanner(f.cfg, testLogger(f.t))
	if err != nil {
		f.t.Fatal(err)
	}
	return s
}

func (f *fixture) scan(o ScanOptions) (Report, error) {
	f.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	return f.scanner().Scan(ctx, o)
}

func (f *fixture) mustScan(o ScanOptions) Report {
	f.t.Helper()
	rep, err := f.scan(o)
	if err != nil {
		f.t.Fatalf("scan: %v", err)
	}
	return rep
}

// drain takes every message off the queue and returns the requests, sorted by image key.
func (f *fixture) drain() []event.BuildRequest {
	f.t.Helper()
	ch, done := f.channel()
	defer done()
	if _, err := amqp.DeclareQueue(ch, f.queue); err != nil {
		f.t.Fatal(err)
	}
	var out []event.BuildRequest
	for {
		d, ok, err := ch.Get(f.queue, true /* auto-ack */)
		if err != nil {
			f.t.Fatal(err)
		}
		if !ok {
			break
		}
		if len(d.Body) > 4096 { // a request carries extracted fields, never the profile itself
			f.t.Errorf("message of %d bytes", len(d.Body))
		}
		req, format, err := event.Decode(d.Body)
		if err != nil || format != event.FormatV1 {
			f.t.Fatalf("message %s is not a v1 request (%s): %v", d.Body, format, err)
		}
		if d.DeliveryMode != 2 || d.MessageId == "" || d.MessageId != req.MessageID(d.MessageId) || d.Type != event.Schema {
			f.t.Errorf("message properties: mode %d id %q type %q", d.DeliveryMode, d.MessageId, d.Type)
		}
		out = append(out, req)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ImageKey < out[j].ImageKey })
	return out
}

// channel opens a channel on a new connection to the fixture's broker; done closes both.
func (f *fixture) channel() (*amqp091.Channel, func()) {
	f.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := amqp.Dial(ctx, f.cfg.Global)
	if err != nil {
		f.t.Fatal(err)
	}
	ch, err := conn.Channel()
	if err != nil {
		conn.Close()
		f.t.Fatal(err)
	}
	return ch, func() { ch.Close(); conn.Close() }
}

// keys is the sorted image keys of reqs.
func keys(reqs []event.BuildRequest) string {
	ks := make([]string, len(reqs))
	for i, r := range reqs {
		ks[i] = r.ImageKey
	}
	sort.Strings(ks)
	return strings.Join(ks, ",")
}

// tmpl is the i-th generated template host profile at revision rev.
func tmpl(i, rev int) testenv.TemplateProfile {
	return testenv.TemplateProfile{
		Host: fmt.Sprintf("tmpl%d", i), Domain: "cloud.template", Personality: fmt.Sprintf("pers%d", i),
		Archetype: "ral-tier1", OS: "sl", Model: "7x-x86_64", Branch: "prod", Revision: rev,
	}
}

func (f *fixture) put(p testenv.TemplateProfile) { f.srv.Put(p.FQDN(), p.JSON()) }

// cacheBytes is the cache file's content ("" when absent).
func (f *fixture) cacheBytes() string {
	b, _ := os.ReadFile(filepath.Join(f.cacheDir, CacheFile))
	return string(b)
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// baselineThenChange serves n template profiles, records the baseline, then changes all n. It
// returns the baseline cache.
func (f *fixture) baselineThenChange(n int) string {
	f.t.Helper()
	for i := range n {
		f.put(tmpl(i, 1))
	}
	f.mustScan(ScanOptions{})
	baseline := f.cacheBytes()
	for i := range n {
		f.put(tmpl(i, 2))
	}
	return baseline
}
