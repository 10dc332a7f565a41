package config

import (
	"net"
	"net/url"
	"strings"
	"time"
)

// Event types the builder notifies about (the "type" of the versioned event object).
const (
	EventBuildFailed      = "build.failed"
	EventBuildRejected    = "build.rejected"
	EventAwaitingApproval = "build.awaiting_approval"
	EventBuildSucceeded   = "build.succeeded"
	EventBuildDenied      = "build.denied"
	EventBuildCancelled   = "build.cancelled"
	EventImagePromoted    = "image.promoted"
	EventImageRolledBack  = "image.rolled_back"
)

// AllEvents lists every event type, in the order the README documents them.
var AllEvents = []string{EventBuildFailed, EventBuildRejected, EventAwaitingApproval, EventBuildSucceeded,
	EventBuildDenied, EventBuildCancelled, EventImagePromoted, EventImageRolledBack}

// SMTP_TLS values.
const (
	SMTPTLSNone     = "none"
	SMTPTLSStartTLS = "starttls"
	SMTPTLSImplicit = "tls"
)

// Webhook formats of WEBHOOK_FORMAT.
const (
	WebhookJSON  = "json"
	WebhookSlack = "slack"
)

// Notify is the [notify] section, with the addresses and the Slack hook the old scripts read
// from [global] (SUCCESS_ADDRESS, FAILURE_ADDRESS, SLACK_SUCCESS_HOOK).
type Notify struct {
	// SMTPServer is host:port; SMTPTLS is none, starttls or tls (implicit TLS, port 465).
	SMTPServer string
	SMTPTLS    string
	// SMTPCAFile verifies the SMTP server with a private CA (PEM); empty: the system's CAs.
	SMTPCAFile string
	// SMTPUser and SMTPPassword (read from SMTP_PASSWORD_FILE) authenticate with AUTH PLAIN.
	SMTPUser         string
	SMTPPasswordFile string
	MailFrom         string
	// FailureAddress receives failures, rejections and approval requests; SuccessAddress
	// successes. Empty: no mail of that kind.
	FailureAddress []string
	SuccessAddress []string
	// Webhooks are posted every selected event in WebhookFormat, signed with WebhookSecret.
	Webhooks      []string `json:"-"`
	WebhookFormat string
	WebhookSecret string `json:"-"`
	// SlackSuccessHook gets successes in Slack format, as the old scripts posted them.
	SlackSuccessHook string `json:"-"`
	// Events selects the event types sent (all by default).
	Events []string
	// RetryDelay is the first wait after a failed delivery (doubling each time, at most an
	// hour); Retries is how many deliveries are tried before the notification is given up.
	RetryDelay time.Duration
	Retries    int
}

func readNotify(r *reader, g *reader, base string) Notify {
	n := Notify{
		SMTPServer:       r.str("SMTP_SERVER", "localhost:25"),
		SMTPTLS:          r.oneOf("SMTP_TLS", SMTPTLSNone, SMTPTLSNone, SMTPTLSStartTLS, SMTPTLSImplicit),
		SMTPCAFile:       abs(base, r.str("SMTP_CA_FILE", "")),
		SMTPUser:         r.str("SMTP_USER", ""),
		SMTPPasswordFile: abs(base, r.str("SMTP_PASSWORD_FILE", "")),
		MailFrom:         r.str("MAIL_FROM", "packuilon@localhost"),
		FailureAddress:   g.list("FAILURE_ADDRESS", nil),
		SuccessAddress:   g.list("SUCCESS_ADDRESS", nil),
		Webhooks:         r.list("WEBHOOK_URL", nil),
		WebhookFormat:    r.oneOf("WEBHOOK_FORMAT", WebhookJSON, WebhookJSON, WebhookSlack),
		WebhookSecret:    r.str("WEBHOOK_SECRET", ""),
		SlackSuccessHook: g.str("SLACK_SUCCESS_HOOK", ""),
		Events:           r.list("EVENTS", AllEvents),
		RetryDelay:       r.duration("RETRY_DELAY", 30*time.Second),
		Retries:          r.int("RETRIES", 8, 1, 100),
	}
	if _, _, err := net.SplitHostPort(n.SMTPServer); err != nil {
		r.problem("SMTP_SERVER", "%q is not host:port: %v", n.SMTPServer, err)
	}
	if (n.SMTPUser == "") != (n.SMTPPasswordFile == "") {
		r.problem("SMTP_USER", "SMTP_USER and SMTP_PASSWORD_FILE go together")
	}
	if host, _, err := net.SplitHostPort(n.SMTPServer); err == nil && n.SMTPUser != "" && n.SMTPTLS == SMTPTLSNone && !smtpLocal(host) {
		// net/smtp refuses AUTH PLAIN in clear to another server: every mail would fail.
		r.problem("SMTP_TLS", "SMTP_USER needs SMTP_TLS = starttls or tls: a password is sent in clear only to "+
			"localhost, 127.0.0.1 or ::1 (SMTP_SERVER)")
	}
	for _, key := range []string{"FAILURE_ADDRESS", "SUCCESS_ADDRESS"} {
		for _, a := range g.list(key, nil) {
			if !strings.Contains(a, "@") || strings.ContainsAny(a, "\r\n<>") {
				g.problem(key, "%q is not a mail address", a)
			}
		}
	}
	if strings.ContainsAny(n.MailFrom, "\r\n<>") || !strings.Contains(n.MailFrom, "@") {
		r.problem("MAIL_FROM", "%q is not a mail address", n.MailFrom)
	}
	for _, u := range n.Webhooks {
		checkHookURL(r, "WEBHOOK_URL", u)
	}
	if n.SlackSuccessHook != "" {
		checkHookURL(g, "SLACK_SUCCESS_HOOK", n.SlackSuccessHook)
	}
	for _, e := range n.Events {
		if !knownEvent(e) {
			r.problem("EVENTS", "%q is not an event (one of %s)", e, strings.Join(AllEvents, ", "))
		}
	}
	return n
}

func init() { extraChecks = append(extraChecks, checkNotify) }

// checkNotify checks that the SMTP password file and the status page's htpasswd file exist
// (both are read at each use, so a rotated password needs no restart).
func checkNotify(c *Config) Problems {
	ps := c.missing("notify", "SMTP_PASSWORD_FILE", c.Notify.SMTPPasswordFile)
	ps = append(ps, c.missing("notify", "SMTP_CA_FILE", c.Notify.SMTPCAFile)...)
	return append(ps, c.missing("rabbit2packer", "HTTP_AUTH_FILE", c.BuilderHTTP.AuthFile)...)
}

// checkHookURL reports a hook URL that is not http(s), without printing it: hook URLs often
// carry their token in the path.
func checkHookURL(r *reader, key, v string) {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		r.problem(key, "a hook is not an http(s):// URL")
	}
}

func knownEvent(e string) bool {
	for _, k := range AllEvents {
		if k == e {
			return true
		}
	}
	return false
}

// Wants reports whether event e is selected by EVENTS.
func (n Notify) Wants(e string) bool {
	for _, k := range n.Events {
		if k == e {
			return true
		}
	}
	return false
}

// smtpLocal reports whether host is one net/smtp's AUTH PLAIN sends a password to without TLS.
func smtpLocal(host string) bool { return host == "localhost" || host == "127.0.0.1" || host == "::1" }
