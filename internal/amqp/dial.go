package amqp

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"time"

	amqp091 "github.com/rabbitmq/amqp091-go"

	"github.com/packuilon/packuilon/internal/config"
	"github.com/packuilon/packuilon/internal/redact"
)

// dialTimeout bounds the TCP + AMQP handshake, so a broker that accepts but never answers
// does not hang a cron-driven scan.
const dialTimeout = 15 * time.Second

// heartbeat detects a dead broker connection within about a minute even when idle.
const heartbeat = 20 * time.Second

// Dial connects to the broker described by g. Errors never contain the password.
func Dial(ctx context.Context, g config.Global) (*amqp091.Connection, error) {
	cfg := amqp091.Config{
		Heartbeat:  heartbeat,
		Locale:     "en_US",
		Properties: amqp091.Table{"connection_name": "packuilon"},
	}
	if g.RabbitTLS {
		tc := &tls.Config{ServerName: g.RabbitHost, MinVersion: tls.VersionTLS12}
		if g.RabbitCAFile != "" {
			pem, err := os.ReadFile(g.RabbitCAFile)
			if err != nil {
				return nil, fmt.Errorf("read RABBIT_CA_FILE: %w", err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("RABBIT_CA_FILE %s holds no PEM certificate", g.RabbitCAFile)
			}
			tc.RootCAs = pool
		}
		cfg.TLSClientConfig = tc
	}
	deadline := time.Now().Add(dialTimeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	cfg.Dial = func(network, addr string) (net.Conn, error) {
		return dialDeadline(ctx, network, addr, deadline)
	}
	u := g.AMQPURL()
	if _, err := amqp091.ParseURI(u); err != nil {
		// The parser's error quotes the URL, password included: it is never passed on.
		return nil, fmt.Errorf("connect to rabbitmq %s: RABBIT_HOST, RABBIT_PORT and RABBIT_VHOST do not make a broker address: %s",
			g.Redacted(), redact.String(err.Error(), g.RabbitPW))
	}
	conn, err := amqp091.DialConfig(u, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to rabbitmq %s: %w", g.Redacted(), redact.Error(err, g.RabbitPW))
	}
	return conn, nil
}

// dialDeadline dials with ctx and sets a deadline for the handshake; amqp091 clears the
// deadline once the connection is open.
func dialDeadline(ctx context.Context, network, addr string, deadline time.Time) (net.Conn, error) {
	d := net.Dialer{Deadline: deadline}
	conn, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	if err := conn.SetDeadline(deadline); err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}
