package preflight

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/testenv"
)

// TestKeystoneRetryLogged: Keystone answering 503 to the first request (restarting) is retried;
// the retry is a log line naming the check and the auth file, without the password, and the
// check still gives one OK Result.
func TestKeystoneRetryLogged(t *testing.T) {
	o := testenv.SharedOpenStack(t)
	px := o.StartProxies(t)
	var auth strings.Builder
	for _, kv := range px.Env(o.Admin) {
		auth.WriteString("export " + kv + "\n")
	}
	cfg := &config.Config{}
	cfg.Promote.Enabled = config.PromoteOn
	cfg.Promote.AuthFile = filepath.Join(t.TempDir(), "admin-auth.sh")
	if err := os.WriteFile(cfg.Promote.AuthFile, []byte(auth.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	px.Arm()
	px.Keystone.FailNth(1, testenv.Fail503)
	var logs bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	rs := cloud(ctx, cfg, func(string) string { return "" }, hclog.New(&hclog.LoggerOptions{Output: &logs}))
	if len(rs) != 1 || !rs[0].OK {
		t.Fatalf("results = %v, want one OK", rs)
	}
	var retries []string
	for _, line := range strings.Split(logs.String(), "\n") {
		if strings.Contains(line, "retrying") {
			retries = append(retries, line)
		}
	}
	if len(retries) != 1 || !strings.Contains(retries[0], "keystone+glance for promotion") ||
		!strings.Contains(retries[0], cfg.Promote.AuthFile) || !strings.Contains(retries[0], "503") {
		t.Errorf("retry lines = %q, want one naming the check, the auth file and the 503:\n%s", retries, logs.String())
	}
	if pw := o.Admin.Password; pw == "" || strings.Contains(logs.String(), pw) {
		t.Errorf("the log contains the password (or the test has none):\n%s", logs.String())
	}
}
