package amqp

import (
	"context"
	"net"
	"time"
)

type netConn = net.Conn

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
