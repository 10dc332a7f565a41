package builder

import (
	"bytes"
	"image/png"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/state"
	"github.com/packuilon/packuilon/internal/testenv"
)

// staff writes an htpasswd file with one bcrypt user.
func staff(t *testing.T, user, pw string) string {
	hash, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "htpasswd")
	if err := os.WriteFile(file, []byte("# staff\n"+user+":"+string(hash)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

var csrfField = regexp.MustCompile(`action="/build/([^/]+)/(\w+)"><input type="hidden" name="csrf" value="([0-9a-f]+)"`)

// press submits a button of the build's page as a browser would: the form's CSRF token from
// the page, HTTP Basic credentials, and the form fields.
func press(t *testing.T, base, id, action, user, pw string, fields url.Values) *http.Response {
	t.Helper()
	code, page := get(t, base+"/build/"+id)
	if code != 200 {
		t.Fatalf("build page: %d", code)
	}
	token := ""
	for _, m := range csrfField.FindAllStringSubmatch(page, -1) {
		if m[1] == id && m[2] == action {
			token = m[3]
		}
	}
	if token == "" {
		t.Fatalf("the page of %s has no %s button", id, action)
	}
	if fields == nil {
		fields = url.Values{}
	}
	fields.Set("csrf", token)
	req, _ := http.NewRequest(http.MethodPost, base+"/build/"+id+"/"+action, strings.NewReader(fields.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if user != "" {
		req.SetBasicAuth(user, pw)
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// TestStatusPage loads the status page in headless Chromium (its content, and a screenshot at
// a phone's size) with a failed build and one awaiting approval, then approves, denies and
// cancels builds through the page's buttons (CSRF token, staff credentials).
func TestStatusPage(t *testing.T) {
	needPacker(t)
	rmq := testenv.SharedRabbit(t)
	g := rmq.Global(testenv.UniqueName(t))
	cfg := loadTree(t, g)
	cfg.Approval = config.Approval{Patterns: []string{"gate-*"}}
	cfg.Notify.WebhookSecret = "whsec-do-not-show"
	cfg.BuilderHTTP.AuthFile = staff(t, "alice", "s3cret-pw")
	base := httpEndpoint(t, cfg)
	startDaemon(t, cfg, nil)
	st := openStore(t, cfg)

	a, bad := request("gate", "sha256:pa"), request("broken", "sha256:pb")
	publish(t, g, mustJSON(t, a), mustJSON(t, bad))
	recA := newest(t, st, a, state.AwaitingApproval)
	recF := newest(t, st, bad, state.Failed)

	dom := testenv.DumpDOM(t, base+"/")
	for _, want := range []string{"Awaiting approval (1)", recA.ID, a.ImageKey, bad.ImageKey, recF.ID, ">failed<", ">Approve<", ">Deny<", "Image keys"} {
		if !strings.Contains(dom, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	for _, secret := range []string{"s3cret-pw", "whsec-do-not-show", g.RabbitPW + "@"} {
		if strings.Contains(dom, secret) {
			t.Errorf("the page shows a secret (%q)", secret)
		}
	}
	build := testenv.DumpDOM(t, base+"/build/"+recF.ID)
	tail := logTail(recF.LogPath, 1)
	for _, want := range []string{"stage packer failed", "Journal", ">Retry<"} {
		if !strings.Contains(build, want) {
			t.Errorf("the build page lacks %q", want)
		}
	}
	if len(tail) == 1 && !strings.Contains(build, strings.TrimSpace(tail[0])) {
		t.Errorf("the build page lacks the log's last line %q", tail[0])
	}

	shot, err := os.ReadFile(testenv.Screenshot(t, base+"/", 390, 844))
	if dir := os.Getenv("PACKUILON_SCREENSHOT_DIR"); dir != "" && err == nil {
		os.WriteFile(filepath.Join(dir, "status-page.png"), shot, 0o644)
	}
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 390 || b.Dy() != 844 {
		t.Errorf("screenshot is %v, want 390x844", b)
	}
	colours := map[uint32]bool{}
	for y := 0; y < img.Bounds().Dy(); y += 4 {
		for x := 0; x < img.Bounds().Dx(); x += 4 {
			r, g, b, _ := img.At(x, y).RGBA()
			colours[r>>12<<8|g>>12<<4|b>>12] = true
		}
	}
	if len(colours) < 8 { // a blank or error page has one or two colours
		t.Errorf("the screenshot has %d colours: nothing rendered?", len(colours))
	}

	if resp := press(t, base, recA.ID, "approve", "", "", nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("approve without credentials: %s", resp.Status)
	}
	if resp := press(t, base, recA.ID, "approve", "alice", "wrong", nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("approve with a wrong password: %s", resp.Status)
	}
	if resp := press(t, base, recA.ID, "approve", "mallory", "s3cret-pw", nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("approve as an unknown user with a known user's password: %s", resp.Status)
	}
	if resp := press(t, base, recA.ID, "approve", "alice", "s3cret-pw", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("approve: %s", resp.Status)
	}
	stateOf(t, st, recA.ID, state.Succeeded)
	if j, _ := st.Journal(t.Context(), recA.ID); !journalHas(j, "approved by alice") {
		t.Errorf("journal does not name the approver: %+v", j)
	}

	c := request("gate", "sha256:pc")
	publish(t, g, mustJSON(t, c))
	recC := newest(t, st, c, state.AwaitingApproval)
	if resp := press(t, base, recC.ID, "deny", "alice", "s3cret-pw", url.Values{"reason": {"not this week"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("deny: %s", resp.Status)
	}
	if rec := stateOf(t, st, recC.ID, state.Denied); !strings.Contains(rec.Message, "alice: not this week") {
		t.Errorf("denied: %q", rec.Message)
	}

	setAuth(t, cfg, "export PACKUILON_SLEEP=300")
	slow := request("slowpage", "sha256:ps")
	publish(t, g, mustJSON(t, slow))
	recS := newest(t, st, slow, state.Building)
	waitFor(t, time.Minute, "packer to run", func() bool {
		rec, _ := st.Get(t.Context(), recS.ID)
		return rec.Stage == "packer"
	})
	if resp := press(t, base, recS.ID, "cancel", "alice", "s3cret-pw", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("cancel: %s", resp.Status)
	}
	if rec := stateOf(t, st, recS.ID, state.Cancelled); !strings.Contains(rec.Message, "cancelled by alice") {
		t.Errorf("cancelled: %q", rec.Message)
	}
}

func journalHas(j []state.Entry, msg string) bool {
	for _, e := range j {
		if strings.Contains(e.Message, msg) {
			return true
		}
	}
	return false
}
