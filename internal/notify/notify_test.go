package notify

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/state"
	"github.com/packuilon/packuilon/internal/testenv"
)

// hookServer is a real HTTP server that records the posts it gets.
type hookServer struct {
	mu     sync.Mutex
	posts  []hookPost
	status int
	srv    *httptest.Server
}

type hookPost struct {
	path, event, signature string
	body                   []byte
}

func startHook(t *testing.T, status int) *hookServer {
	h := &hookServer{status: status}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		h.posts = append(h.posts, hookPost{r.URL.Path, r.Header.Get(EventHeader), r.Header.Get(SignatureHeader), body})
		h.mu.Unlock()
		w.WriteHeader(h.status)
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hookServer) got() []hookPost {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]hookPost(nil), h.posts...)
}

var nullLog = hclog.NewNullLogger()

func openStore(t *testing.T) *state.Store { return openStoreB(t) }

func openStoreB(t testing.TB) *state.Store {
	st, err := state.Open(filepath.Join(t.TempDir(), "builds.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func runDispatcher(t *testing.T, st *state.Store, n config.Notify) *Dispatcher {
	ctx, cancel := context.WithCancel(context.Background())
	d := &Dispatcher{Store: st, Config: func() config.Notify { return n }, Log: hclog.NewNullLogger()}
	done := make(chan struct{})
	go func() { d.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return d
}

// dispatchOne runs a Dispatcher with n on a new store holding ev's one notification, and
// returns a function waiting until that notification satisfies ok, which returns it.
func dispatchOne(t *testing.T, n config.Notify, ev Event) func(what string, ok func(state.Notification) bool) state.Notification {
	t.Helper()
	st := openStore(t)
	if err := Queue(context.Background(), st, n, ev); err != nil {
		t.Fatal(err)
	}
	runDispatcher(t, st, n) // after Queue: its first look at the outbox finds the notification
	return func(what string, ok func(state.Notification) bool) state.Notification {
		t.Helper()
		var notes []state.Notification
		waitFor(t, what, func() bool {
			notes, _ = st.Notifications(context.Background(), ev.BuildID)
			return len(notes) == 1 && ok(notes[0])
		})
		return notes[0]
	}
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func failedEvent() Event {
	ev := New(config.EventBuildFailed)
	ev.BuildID, ev.ImageKey, ev.Stage, ev.State = "20261130T050000-abcd", "web-centos7", "packer", "failed"
	ev.Message = "stage packer failed: packer exited with status 1"
	ev.LogTail = []string{"==> openstack: Error waiting for server", "Build 'openstack' errored"}
	ev.Commands = []string{"packuilon show 20261130T050000-abcd", "packuilon retry 20261130T050000-abcd"}
	return ev
}

// TestMailAndHooks queues a failure and a success and checks what a real SMTP server and a
// real HTTP server receive: the failure mail with its reason, log tail and commands, the
// success mail, the signed JSON event and the Slack success post of the old scripts.
func TestMailAndHooks(t *testing.T) {
	smtpd := testenv.StartSMTP(t)
	hook, slack := startHook(t, 200), startHook(t, 200)
	n := config.Notify{SMTPServer: smtpd.Addr, SMTPTLS: config.SMTPTLSNone, MailFrom: "factory@example.org",
		FailureAddress: []string{"ops@example.org"}, SuccessAddress: []string{"users@example.org"},
		Webhooks: []string{hook.srv.URL + "/hooks/T0KEN"}, WebhookFormat: config.WebhookJSON, WebhookSecret: "s3cret",
		SlackSuccessHook: slack.srv.URL + "/services/SLACKTOKEN", Events: config.AllEvents, RetryDelay: time.Second, Retries: 3}
	st := openStore(t)
	d := runDispatcher(t, st, n)
	ctx := context.Background()
	if err := Queue(ctx, st, n, failedEvent()); err != nil {
		t.Fatal(err)
	}
	ok := New(config.EventBuildSucceeded)
	ok.BuildID, ok.ImageKey, ok.Message = "20261130T060000-beef", "web-centos7", "built"
	ok.Images = []Image{{Key: "web-centos7.managed", Name: "CentOS 7 web", ImageID: "img-new", Warehoused: "img-old", TestVerdict: "passed", Promoted: true}}
	if err := Queue(ctx, st, n, ok); err != nil {
		t.Fatal(err)
	}
	d.Poke() // as the builder does after queueing, rather than wait for the next poll
	mails := smtpd.WaitMails(t, 2, time.Minute)
	byTo := map[string]string{}
	for _, m := range mails {
		body, _ := io.ReadAll(m.Body)
		byTo[m.Header.Get("To")] = m.Header.Get("Subject") + "\n" + string(body)
	}
	fail := byTo["ops@example.org"]
	for _, want := range []string{"build of web-centos7 failed at packer", "packer exited with status 1",
		"20261130T050000-abcd", "Error waiting for server", "packuilon retry 20261130T050000-abcd"} {
		if !strings.Contains(fail, want) {
			t.Errorf("failure mail lacks %q:\n%s", want, fail)
		}
	}
	if succ := byTo["users@example.org"]; !strings.Contains(succ, "img-new") || !strings.Contains(succ, "img-old") || !strings.Contains(succ, "passed") {
		t.Errorf("success mail lacks the image, the warehoused image or the verdict:\n%s", succ)
	}
	waitFor(t, "webhook posts", func() bool { return len(hook.got()) == 2 && len(slack.got()) == 1 })
	for _, p := range hook.got() {
		if p.signature != Sign("s3cret", p.body) {
			t.Errorf("webhook %s: signature %q does not match the body", p.event, p.signature)
		}
		var ev Event
		if err := json.Unmarshal(p.body, &ev); err != nil || ev.Schema != Schema || ev.Type != p.event {
			t.Errorf("webhook body is not a %s event (%v): %s", Schema, err, p.body)
		}
	}
	var sl struct{ Text string }
	if err := json.Unmarshal(slack.got()[0].body, &sl); err != nil || !strings.Contains(sl.Text, "new image for web-centos7") {
		t.Errorf("slack post = %s (%v)", slack.got()[0].body, err)
	}
	for _, id := range []string{"20261130T050000-abcd", "20261130T060000-beef"} {
		notes, err := st.Notifications(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		for _, nt := range notes {
			if nt.Status != state.NoteSent {
				t.Errorf("%s %s: status %s (%s)", nt.Event, nt.Target, nt.Status, nt.LastError)
			}
		}
	}
}

// TestUndeliverable: a hook that keeps failing is retried, then marked failed with the reason,
// which never contains the hook's URL (its token).
func TestUndeliverable(t *testing.T) {
	hook := startHook(t, 500)
	n := config.Notify{Webhooks: []string{hook.srv.URL + "/hooks/T0KEN"}, WebhookFormat: config.WebhookSlack,
		Events: config.AllEvents, RetryDelay: 10 * time.Millisecond, Retries: 3}
	note := dispatchOne(t, n, failedEvent())("the notification to fail",
		func(nt state.Notification) bool { return nt.Status == state.NoteFailed })
	if note.Attempts != 3 || len(hook.got()) != 3 {
		t.Errorf("attempts = %d, posts = %d; want 3", note.Attempts, len(hook.got()))
	}
	if !strings.Contains(note.LastError, "500") || strings.Contains(note.LastError, "T0KEN") {
		t.Errorf("last error = %q", note.LastError)
	}
}

// TestTargets: EVENTS filters mail and hooks, the Slack success hook only gets successes.
func TestTargets(t *testing.T) {
	n := config.Notify{FailureAddress: []string{"a@b"}, SuccessAddress: []string{"c@d"}, Webhooks: []string{"http://x/1", "http://x/2"},
		SlackSuccessHook: "http://x/s", Events: []string{config.EventBuildFailed}}
	if got := strings.Join(Targets(n, config.EventBuildFailed), " "); got != "mail:failure webhook:1 webhook:2" {
		t.Errorf("failed -> %s", got)
	}
	if got := strings.Join(Targets(n, config.EventBuildSucceeded), " "); got != "slack-success" {
		t.Errorf("succeeded -> %s", got)
	}
}
