package profilewatch

import (
	"bytes"
	"errors"
	"fmt"
	"net"

	"github.com/hashicorp/go-hclog"
)

// ParseNotification reports whether a datagram is Aquilon's index notification: "cdb", one
// separator byte (Aquilon sends NUL; any byte is accepted) and the unix time in digits. A
// trailing newline or NUL is tolerated. It returns the digits.
func ParseNotification(b []byte) (string, bool) {
	b = bytes.TrimRight(b, "\n\r\x00")
	if len(b) < 5 || string(b[:3]) != "cdb" {
		return "", false
	}
	digits := b[4:]
	if len(digits) > 20 {
		return "", false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return "", false
		}
	}
	return string(digits), true
}

// udpListener turns Aquilon's notifications into scan triggers.
type udpListener struct {
	conn *net.UDPConn
	done chan struct{}
}

// maxDatagram is more than any notification; longer datagrams are truncated and then refused.
const maxDatagram = 512

// listenUDP binds addr and calls trigger for every notification from an allowed address.
// Other datagrams are logged and ignored. trigger must not block.
func listenUDP(addr string, allowed func(net.IP) bool, trigger func(reason string), log hclog.Logger) (*udpListener, error) {
	ua, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		return nil, fmt.Errorf("udp address %s: %w", addr, err)
	}
	conn, err := net.ListenUDP("udp", ua)
	if err != nil {
		return nil, fmt.Errorf("listen for notifications: %w", err)
	}
	l := &udpListener{conn: conn, done: make(chan struct{})}
	go func() {
		defer close(l.done)
		buf := make([]byte, maxDatagram)
		for {
			n, from, err := conn.ReadFromUDP(buf)
			if errors.Is(err, net.ErrClosed) {
				return
			}
			if err != nil {
				log.Warn("read notification", "error", err)
				continue
			}
			if !allowed(from.IP) {
				log.Warn("notification from an address not in UDP_ALLOW ignored", "from", from.IP.String())
				continue
			}
			ts, ok := ParseNotification(buf[:n])
			if !ok {
				log.Info("datagram that is not a cdb notification ignored", "from", from.IP.String(), "bytes", n)
				continue
			}
			log.Debug("notification", "from", from.IP.String(), "time", ts)
			trigger("notification")
		}
	}()
	return l, nil
}

// Addr is the bound address (the port, when the configuration asked for port 0).
func (l *udpListener) Addr() net.Addr { return l.conn.LocalAddr() }

// Close stops the listener and waits for its goroutine.
func (l *udpListener) Close() {
	l.conn.Close()
	<-l.done
}
