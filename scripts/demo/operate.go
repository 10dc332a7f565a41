package main

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/packuilon/packuilon/internal/testenv"
)

// siteExtra is the demo site's operating configuration: mail through the demo's SMTP server,
// the builder's status page, and approval for the image-factory keys.
func (d *demo) siteExtra() string {
	return fmt.Sprintf(`[global]
FAILURE_ADDRESS = image-staff@example.org

[notify]
SMTP_SERVER = %s
MAIL_FROM = packuilon@factory.example.org
RETRY_DELAY = 2s

[rabbit2packer]
HTTP_LISTEN = %s

[promote]
REQUIRE_APPROVAL = image-factory-*
`, d.smtp.Addr, d.http)
}

// awaiting waits for a build awaiting approval and returns its id.
func (d *demo) awaiting(ctx context.Context) (string, error) {
	deadline := time.Now().Add(5 * time.Minute)
	for time.Now().Before(deadline) {
		out, err := exec.CommandContext(ctx, d.bin, "status", "--config", d.config, "--json", "--state", "awaiting_approval").Output()
		var recs []struct{ ID string }
		if err == nil && json.Unmarshal(out, &recs) == nil && len(recs) > 0 {
			return recs[0].ID, nil
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-d.builder.done:
			return "", fmt.Errorf("the builder exited; see %s", filepath.Join(d.dir, "builder.log"))
		case <-time.After(time.Second):
		}
	}
	return "", fmt.Errorf("no build awaits approval after 5 minutes; see %s", filepath.Join(d.dir, "builder.log"))
}

// mail waits for the newest mail about event and prints it.
func (d *demo) mail(event string) error {
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		ms, err := d.smtp.ReadMails()
		if err != nil {
			return err
		}
		for i := len(ms) - 1; i >= 0; i-- {
			m := ms[i]
			if m.Header.Get("X-Packuilon-Event") != event {
				continue
			}
			body, _ := io.ReadAll(m.Body)
			say("mail to %s (SMTP server %s, Maildir %s):", m.Header.Get("To"), d.smtp.Addr, d.smtp.Maildir)
			say("  Subject: %s", m.Header.Get("Subject"))
			for _, l := range strings.Split(strings.TrimRight(string(body), "\n"), "\n") {
				say("  | %s", l)
			}
			return nil
		}
		time.Sleep(200 * time.Millisecond)
	}
	return fmt.Errorf("no %s mail arrived within a minute; see %s", event, filepath.Join(d.dir, "builder.log"))
}

var (
	tags   = regexp.MustCompile(`(?s)<style.*?</style>|<[^>]+>`)
	blanks = regexp.MustCompile(`[ \t]*\n[ \t\n]*`)
)

// page renders the status page in headless Chromium: its text, and a phone-sized screenshot.
func (d *demo) page(shot string) error {
	url := "http://" + d.http + "/"
	dom, err := testenv.Chromium(d.dir, url, "--dump-dom")
	if err != nil {
		return err
	}
	file := filepath.Join(d.dir, shot)
	if _, err := testenv.Chromium(d.dir, url, "--screenshot="+file, "--window-size=390,844", "--hide-scrollbars"); err != nil {
		return err
	}
	say("%s as headless Chromium renders it (screenshot at phone size: %s):", url, file)
	text := html.UnescapeString(blanks.ReplaceAllString(tags.ReplaceAllString(string(dom), " \n"), "\n"))
	lines := strings.Split(strings.TrimSpace(text), "\n")
	if len(lines) > 40 {
		lines = append(lines[:40], "…")
	}
	for _, l := range lines {
		say("  | %s", strings.TrimSpace(l))
	}
	if _, err := os.Stat(file); err != nil {
		return fmt.Errorf("no screenshot: %w", err)
	}
	return nil
}
