package config

import (
	"strings"
	"testing"
)

// TestSMTPAuthNeedsTLS: SMTP_USER with SMTP_TLS = none is a problem for a server other than
// localhost (net/smtp would refuse every AUTH, so every mail would fail and be retried), and
// none for localhost or with TLS.
func TestSMTPAuthNeedsTLS(t *testing.T) {
	const base = "[global]\n[notify]\nSMTP_USER = factory\nSMTP_PASSWORD_FILE = /nonexistent/pw\n"
	for ini, bad := range map[string]bool{
		base + "SMTP_SERVER = mail.example.org:25\n":                       true,
		base + "SMTP_SERVER = [::ffff:127.0.0.1]:25\n":                     true,
		base + "SMTP_SERVER = localhost:25\n":                              false,
		base + "SMTP_SERVER = 127.0.0.1:2525\n":                            false,
		base + "SMTP_SERVER = [::1]:25\n":                                  false,
		base + "SMTP_SERVER = mail.example.org:587\nSMTP_TLS = starttls\n": false,
		base + "SMTP_SERVER = mail.example.org:465\nSMTP_TLS = tls\n":      false,
		"[global]\n[notify]\nSMTP_SERVER = mail.example.org:25\n":          false,
	} {
		_, err := Load(write(t, ini))
		got := err != nil && strings.Contains(err.Error(), "SMTP_USER needs SMTP_TLS = starttls or tls")
		if got != bad {
			t.Errorf("%q: problem %v, want %v (%v)", ini, got, bad, err)
		}
	}
}
