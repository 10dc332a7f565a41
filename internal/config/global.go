package config

import (
	"fmt"
	"net"
	"net/url"
	"strconv"

	"github.com/packuilon/packuilon/internal/ident"
	"github.com/packuilon/packuilon/internal/redact"
)

// Global is the [global] section: the queue and the broker, shared by every daemon.
type Global struct {
	Queue      string
	RabbitHost string
	RabbitPort int
	RabbitUser string
	RabbitPW   string
	// RabbitVHost is new; the old scripts always used "/".
	RabbitVHost string
	// RabbitTLS switches to amqps; RabbitCAFile verifies the broker with a private CA.
	RabbitTLS    bool
	RabbitCAFile string
	// LogTarget is "stderr" or "syslog"; LogLevel an hclog level name.
	LogTarget string
	LogLevel  string
	// LogFormat is "text" (hclog's lines) or "json" (one JSON object per line).
	LogFormat string
	// SyslogSocket is the syslog daemon's socket for LOG_TARGET = syslog (default /dev/log).
	SyslogSocket string
	// StateDir holds the build store and other state of the daemons.
	StateDir string
	// QueueType is "classic" (the durable queue the old scripts declared; the default) or
	// "quorum" (replicated; for new deployments: an existing queue cannot change its type).
	QueueType string
	// DeliveryLimit is how many times a quorum queue delivers a message before it goes to the
	// dead-letter queue (a message that makes every builder crash).
	DeliveryLimit int
}

// Queue types of QUEUE_TYPE.
const (
	QueueClassic = "classic"
	QueueQuorum  = "quorum"
)

func readGlobal(r *reader, base string) Global {
	g := Global{
		Queue:         r.str("QUEUE", "build-queue"),
		RabbitHost:    r.str("RABBIT_HOST", "localhost"),
		RabbitPort:    r.int("RABBIT_PORT", 5672, 1, 65535),
		RabbitUser:    r.str("RABBIT_USER", "guest"),
		RabbitPW:      r.str("RABBIT_PW", "guest"),
		RabbitVHost:   r.str("RABBIT_VHOST", "/"),
		RabbitTLS:     r.bool("RABBIT_TLS", false),
		RabbitCAFile:  abs(base, r.str("RABBIT_CA_FILE", "")),
		LogTarget:     r.oneOf("LOG_TARGET", "stderr", "stderr", "syslog"),
		LogLevel:      r.oneOf("LOG_LEVEL", "info", "trace", "debug", "info", "warn", "error"),
		LogFormat:     r.oneOf("LOG_FORMAT", "text", "text", "json"),
		SyslogSocket:  abs(base, r.str("SYSLOG_SOCKET", "")),
		StateDir:      abs(base, r.str("STATE_DIR", "/var/lib/packuilon")),
		QueueType:     r.oneOf("QUEUE_TYPE", QueueClassic, QueueClassic, QueueQuorum),
		DeliveryLimit: r.int("DELIVERY_LIMIT", 5, 1, 1000),
	}
	if !validQueueName(g.Queue) {
		r.problem("QUEUE", "%q is not a usable queue name", g.Queue)
	}
	if !validHost(g.RabbitHost) {
		// The value may be a whole URL with a password in it: never shown as written.
		r.problem("RABBIT_HOST", "%q is not a host name or IP address", redact.URL(r.shown("RABBIT_HOST", g.RabbitHost)))
	}
	return g
}

// validHost reports whether h is a host name or an IP address (what the AMQP URL needs there).
func validHost(h string) bool { return net.ParseIP(h) != nil || validHostName(h) }

// validHostName reports whether h is 1 to 254 letters, digits, '_', '.' and '-' that neither
// start nor end with '.' or '-' (the regexp ^[A-Za-z0-9_]([A-Za-z0-9_.-]{0,252}[A-Za-z0-9_])?$).
// Labels are not checked. Hand-written (not a regexp compiled at init) to keep start-up short
// (issue 12).
func validHostName(h string) bool {
	end := func(c byte) bool { return ident.Alnum(c) || c == '_' }
	if len(h) == 0 || len(h) > 254 || !end(h[0]) || !end(h[len(h)-1]) {
		return false
	}
	for i := 1; i < len(h)-1; i++ {
		if !ident.NameByte(h[i]) {
			return false
		}
	}
	return true
}

func validQueueName(q string) bool {
	if q == "" || len(q) > 200 {
		return false
	}
	for _, c := range q {
		if c < 0x21 || c > 0x7e {
			return false
		}
	}
	return true
}

// AMQPURL is the broker URL built from the [global] keys. It contains the password: never log it;
// log Redacted() instead.
func (g Global) AMQPURL() string {
	scheme := "amqp"
	if g.RabbitTLS {
		scheme = "amqps"
	}
	u := url.URL{
		Scheme: scheme,
		User:   url.UserPassword(g.RabbitUser, g.RabbitPW),
		Host:   net.JoinHostPort(g.RabbitHost, strconv.Itoa(g.RabbitPort)),
	}
	if g.RabbitVHost != "/" { // no path means the default vhost "/"
		u.Path = "/" + g.RabbitVHost
		u.RawPath = "/" + url.PathEscape(g.RabbitVHost)
	}
	return u.String()
}

// Redacted is the broker address without credentials, for logs and errors.
func (g Global) Redacted() string {
	return fmt.Sprintf("%s@%s:%d vhost %s", g.RabbitUser, g.RabbitHost, g.RabbitPort, g.RabbitVHost)
}

// DeadLetterQueue is where poison messages go: "<QUEUE>.dead".
func (g Global) DeadLetterQueue() string { return g.Queue + ".dead" }
