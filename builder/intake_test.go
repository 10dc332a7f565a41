package builder

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/packuilon/packuilon/internal/amqp"
	"github.com/packuilon/packuilon/internal/event"
	"github.com/packuilon/packuilon/internal/state"
	"github.com/packuilon/packuilon/internal/testenv"
)

// TestPoisonMessagesAreDeadLettered sends every kind of bad message, then a good one: each bad
// one lands in <QUEUE>.dead with a reason header, the daemon keeps running and builds the good
// one, and no unsafe name (quotes, ../) ever reaches the file system.
func TestPoisonMessagesAreDeadLettered(t *testing.T) {
	needPacker(t)
	rmq := testenv.SharedRabbit(t)
	g := rmq.Global(testenv.UniqueName(t))
	cfg := loadTree(t, g)
	valid := request("nubesvms", "sha256:good")
	badKey := request("nubesvms", "")
	badKey.ImageKey = "../../etc/evil"
	badHost := request("nubesvms", "")
	badHost.Hostname = "../../etc/host"
	quoted := request("nubesvms", "")
	quoted.Personality = `nubes"vms`
	quoted.ImageKey = `nubes"vms-sl7x-x86_64`
	slashed := request("a/../../b", "")
	badSchema := request("nubesvms", "")
	badSchema.Schema = "other/v9"
	badReason := request("nubesvms", "")
	badReason.Reason = "because"
	badDigest := request("nubesvms", "../../x")
	cases := []struct {
		name string
		body []byte
	}{
		{"not json", []byte("this is not json")},
		{"truncated json", []byte(`{"schema": "packuilon.build-request/v1", "image_key": `)},
		{"json array", []byte(`[1, 2, 3]`)},
		{"empty object", []byte(`{}`)},
		{"empty body", nil},
		{"wrong schema", mustJSON(t, badSchema)},
		{"unknown reason", mustJSON(t, badReason)},
		{"image key with ../", mustJSON(t, badKey)},
		{"hostname with ../", mustJSON(t, badHost)},
		{"personality with quotes", mustJSON(t, quoted)},
		{"personality with slashes", mustJSON(t, slashed)},
		{"malformed digest", mustJSON(t, badDigest)},
		{"profile without personality", []byte(`{"system": {"archetype": {"name": "ral-tier1", "os": "sl", "model": "7x-x86_64"}}}`)},
		{"profile with wrong types", []byte(`{"system": {"personality": {"name": ["x"]}}}`)},
		{"request with wrong types", []byte(`{"schema": "packuilon.build-request/v1", "image_key": "k", "force": "yes"}`)},
		{"sandbox without author", []byte(`{"metadata": {"template": {"branch": {"type": "sandbox", "name": "s"}}}, "system": {"personality": {"name": "p"}, "archetype": {"name": "a", "os": "sl", "model": "7x-x86_64"}}}`)},
	}
	stop := startDaemon(t, cfg, nil)
	var bodies [][]byte
	for _, c := range cases {
		bodies = append(bodies, c.body)
	}
	publish(t, g, append(bodies, mustJSON(t, valid))...)
	st := openStore(t, cfg)
	waitFor(t, 3*time.Minute, "the valid request to be built", func() bool {
		recs := builds(t, st, valid.ImageKey)
		return len(recs) == 1 && recs[0].State == state.Succeeded
	})

	conn := dial(t, g)
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, ok, err := ch.Get(g.DeadLetterQueue(), true /* auto-ack */)
			if err != nil || !ok {
				t.Fatalf("dead-letter queue: message missing (ok=%v, err=%v)", ok, err)
			}
			if string(d.Body) != string(c.body) {
				t.Errorf("dead-lettered body = %q, want %q (order kept)", d.Body, c.body)
			}
			reason, _ := d.Headers[amqp.ReasonHeader].(string)
			if !strings.Contains(reason, event.ErrInvalid.Error()) {
				t.Errorf("reason header = %q, want a validation error", reason)
			}
		})
	}
	if n, err := amqp.QueueDepth(conn, g.Queue); err != nil || n != 0 {
		t.Errorf("build queue depth = %d (%v), want 0: every message acked", n, err)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	assertOnlyConfiguredDirs(t, filepath.Dir(cfg.Path))
}

// assertOnlyConfiguredDirs checks that the tree holds only its original files and what the
// builder writes into log/, build/ and state/, and that nothing named by a request escaped.
func assertOnlyConfiguredDirs(t *testing.T, root string) {
	t.Helper()
	allowed := map[string]bool{"config.ini": true, "template-map.json": true, "source-images.json": true, "packer-auth.sh": true, "templates": true, "log": true, "build": true, "state": true}
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !allowed[e.Name()] {
			t.Errorf("unexpected %s in the tree", filepath.Join(root, e.Name()))
		}
	}
	for _, dir := range []string{"log", "build"} {
		files, _ := os.ReadDir(filepath.Join(root, dir))
		for _, f := range files {
			if !strings.HasPrefix(f.Name(), "nubesvms-sl7x-x86_64.") {
				t.Errorf("unexpected file %s in %s", f.Name(), dir)
			}
		}
	}
	for _, p := range []string{"etc/evil", "etc/host", "b"} {
		if _, err := os.Stat(filepath.Join(filepath.Dir(root), p)); err == nil {
			t.Errorf("%s was written outside the tree", p)
		}
	}
}
