package builder

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/packuilon/packuilon/internal/config"
)

// TestPageDenyGivenUpHoldsItsConfig: a deny the page gave up on (its store silent, a real
// proxy dropping every byte) goes on in the background under the configuration it started
// with, held (Config.Hold) until it ends: three reloads meanwhile do not unhide what that
// configuration's references brought in, and its end does.
func TestPageDenyGivenUpHoldsItsConfig(t *testing.T) {
	st, proxy, log, _ := storeThroughProxy(t)
	dir := t.TempDir()
	shown := func(pw string) bool { return strings.Contains(config.AsWritten("auth file "+pw+"/admin-auth.sh"), pw) }
	cfg := authFileFromSecret(t, dir, "deny-s3cret", "")
	cfg.Replaces(nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // the page gives up at once
	ended := make(chan struct{})
	proxy.Stall()
	if err := pageDeny(ctx, st, cfg, "no-such-build", "alice", "no", func() { close(ended) }, log); !errors.Is(err, context.Canceled) {
		t.Fatalf("pageDeny given up = %v, want the page's context error", err)
	}
	old := cfg
	for _, next := range []string{"second", "third", "fourth"} {
		c := authFileFromSecret(t, dir, next+"-s3cret", "")
		c.Replaces(old)
		old = c
	}
	if shown("deny-s3cret") {
		t.Fatal("the background deny's configuration is shown after three reloads")
	}
	if err := proxy.Restore(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ended:
	case <-time.After(time.Minute): // bounds the wait only: the store answers once restored
		t.Fatal("the background deny did not end once the store answered")
	}
	if !shown("deny-s3cret") {
		t.Error("the ended deny's configuration is still hidden")
	}
}
