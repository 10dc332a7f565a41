package redact

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
)

func TestStripUserinfoAndURL(t *testing.T) {
	for _, tc := range []struct{ in, stripped, masked string }{
		{"https://u:pw@aquilon/profiles/", "https://aquilon/profiles/", "https://u:xxxxx@aquilon/profiles/"},
		{"https://aquilon/profiles/", "https://aquilon/profiles/", "https://aquilon/profiles/"},
		{"http://u@h/p", "http://h/p", "http://u@h/p"},
		// Does not parse (a space in the host): still no password.
		{"amqp://guest:pw@bad host:5672/", "amqp://bad host:5672/", "amqp://xxxxx@bad host:5672/"},
	} {
		if got := StripUserinfo(tc.in); got != tc.stripped {
			t.Errorf("StripUserinfo(%q) = %q, want %q", tc.in, got, tc.stripped)
		}
		if got := URL(tc.in); got != tc.masked {
			t.Errorf("URL(%q) = %q, want %q", tc.in, got, tc.masked)
		}
	}
}

func TestErrorMasksAndKeepsIdentity(t *testing.T) {
	const pw = "s3cr3t+pw"
	_, perr := url.Parse("amqp://guest:" + pw + "@bad host:5672/")
	err := fmt.Errorf("dial: %w: %w", perr, context.DeadlineExceeded)
	m := Error(err, pw)
	if strings.Contains(m.Error(), pw) || strings.Contains(m.Error(), url.QueryEscape(pw)) {
		t.Fatalf("password in %q", m)
	}
	if !errors.Is(m, context.DeadlineExceeded) {
		t.Error("masked error lost errors.Is")
	}
	var ue *url.Error
	if !errors.As(m, &ue) {
		t.Error("masked error lost errors.As")
	}
	if errors.Unwrap(m) != nil {
		t.Error("Unwrap exposes the unmasked error")
	}
	plain := errors.New("no secret here")
	if Error(plain, pw) != plain {
		t.Error("an error without the secret was replaced")
	}
	if Error(nil, pw) != nil {
		t.Error("Error(nil) is not nil")
	}
}
