package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	amqp091 "github.com/rabbitmq/amqp091-go"

	"github.com/packuilon/packuilon/internal/testenv"
)

// TestNoSecretAnywhereAfterAFullRun runs the whole pipeline with the profile server's password
// in PROFILE_INFO_URL and PROFILE_DIR_URL, as the old scripts had to give it: watch --once
// publishes, the builder builds with packer, smoke tests and promotes. Then the password is
// looked for in the published message, in every file the run wrote (build store, build files,
// build logs, profile cache, the daemons' output), in status --json and show, and in the errors
// of a profile the server refuses and of a malformed RABBIT_HOST. It must be in none of them.
func TestNoSecretAnywhereAfterAFullRun(t *testing.T) {
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	testenv.Need(t, "/usr/bin/packer")
	const user, pw = "aquilon", "Sekr1t-profile-pw-4711"
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	rabbit := testenv.SharedRabbit(t)
	o, sim := testenv.SharedNovaSim(t)
	admin, err := o.ImageClient(ctx, o.Admin)
	if err != nil {
		t.Fatal(err)
	}
	source, err := sim.CreateImage(ctx, o, o.Admin, testenv.SimImage{Name: "source sl7 e2esecret"})
	if err != nil {
		t.Fatal(err)
	}
	sim.SetSnapshotOutcome(source, testenv.OutcomeActive)
	personality := "e2esecret"
	name, key := "sl7x-x86_64 "+personality, personality+"-sl7x-x86_64"
	sharedImage(ctx, t, o, admin, name)

	profiles := testenv.NewProfileServer(t, testenv.ProfileServerOptions{User: user, Password: pw})
	host := hostFor(personality)
	profiles.Put(host, profile(t, personality, 1))
	dir := t.TempDir()
	queue := testenv.UniqueName(t)
	cfgPath, err := testenv.WriteSite(dir, testenv.SiteOptions{
		Rabbit: rabbit, Queue: queue, Profiles: profiles, ProfileMatch: ".cloud.template.json",
		OpenStack: o, SourceImages: map[string]string{"sl7x-x86_64": source}, Template: testenv.OpenStackTemplate,
		Promote: "true", Extra: "[smoke]\nMETHOD = boot\nBOOT_TIMEOUT = 1m\n",
	})
	if err != nil {
		t.Fatal(err)
	}
	withPW := func(u string) string { return strings.Replace(u, "http://", "http://"+user+":"+pw+"@", 1) }
	ini := string(mustReadFile(t, cfgPath))
	ini = strings.Replace(ini, profiles.IndexURL(), withPW(profiles.IndexURL()), 1)
	ini = strings.Replace(ini, "PROFILE_DIR_URL = "+profiles.DirURL(), "PROFILE_DIR_URL = "+withPW(profiles.DirURL()), 1)
	if strings.Count(ini, pw) != 2 {
		t.Fatalf("the password is not in both URLs:\n%s", ini)
	}
	writeFile(t, cfgPath, ini)
	s := &site{t: t, config: cfgPath, dir: dir}

	var shown strings.Builder // everything packuilon printed
	run := func(wantOK bool, args ...string) string {
		t.Helper()
		out, err := exec.Command(bin, append(args[:1:1], append([]string{"--config", cfgPath}, args[1:]...)...)...).CombinedOutput()
		if (err == nil) != wantOK {
			t.Fatalf("packuilon %v: %v\n%s", args, err, out)
		}
		fmt.Fprintf(&shown, "$ packuilon %v\n%s\n", args, out)
		return string(out)
	}
	run(true, "watch", "--once") // the baseline
	profiles.Put(host, profile(t, personality, 2))
	if out := run(true, "watch", "--once"); !strings.Contains(out, "1 published") {
		t.Fatalf("the changed profile was not published: %s", out)
	}
	msg := peekMessage(t, rabbit, queue)
	if !strings.Contains(msg, `"profile_url":"http://127.0.0.1`) {
		t.Errorf("the message has no profile_url without credentials: %s", msg)
	}
	fmt.Fprintf(&shown, "message: %s\n", msg)

	s.startBuilder()
	for _, err := os.Stat(filepath.Join(dir, "state", "builds.db")); err != nil; _, err = os.Stat(filepath.Join(dir, "state", "builds.db")) {
		if ctx.Err() != nil {
			t.Fatal("the builder did not create its store")
		}
		time.Sleep(100 * time.Millisecond)
	}
	rec := s.waitBuild(ctx, key)
	if rec.State != "succeeded" {
		t.Fatalf("build %s at %s: %s", rec.State, rec.Stage, rec.Message)
	}
	run(true, "status", "--json")
	run(true, "show", rec.ID)

	// A profile the server refuses: the error names its URL.
	profiles.PutRaw(host, []byte("gone"), 500)
	out := run(true, "watch", "--once")
	if !strings.Contains(out, "500") {
		t.Errorf("the refused profile is not reported: %s", out)
	}
	// A malformed RABBIT_HOST, with the password as RABBIT_PW.
	bad := strings.Replace(ini, "RABBIT_HOST = 127.0.0.1", "RABBIT_HOST = bad%zzhost", 1)
	bad = strings.Replace(bad, "RABBIT_PW = guest", "RABBIT_PW = "+pw, 1)
	writeFile(t, cfgPath, bad)
	if out := run(false, "watch", "--once"); !strings.Contains(out, "RABBIT_HOST") {
		t.Errorf("the malformed RABBIT_HOST is not named: %s", out)
	}
	writeFile(t, cfgPath, ini)

	if strings.Contains(shown.String(), pw) {
		t.Errorf("the password is in what packuilon printed or published:\n%s", shown.String())
	}
	files := 0
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || p == cfgPath {
			return err
		}
		files++
		if data, err := os.ReadFile(p); err == nil && bytes.Contains(data, []byte(pw)) {
			t.Errorf("the password is in %s", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"builder.out", "state/builds.db"} {
		if _, err := os.Stat(filepath.Join(dir, want)); err != nil {
			t.Errorf("%s was not written: the search proves less than it says", want)
		}
	}
	t.Logf("searched %d files, %d bytes of output and the message", files, shown.Len())
}

// peekMessage reads the one message on queue and puts it back.
func peekMessage(t *testing.T, r *testenv.Rabbit, queue string) string {
	t.Helper()
	conn, err := amqp091.Dial(fmt.Sprintf("amqp://guest:guest@127.0.0.1:%d/", r.Port))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	d, ok, err := ch.Get(queue, false)
	if err != nil || !ok {
		t.Fatalf("no message on %s: %v", queue, err)
	}
	if err := d.Nack(false, true); err != nil {
		t.Fatal(err)
	}
	return string(d.Body)
}

func mustReadFile(t *testing.T, p string) []byte {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func writeFile(t *testing.T, p, content string) {
	t.Helper()
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
