// Package sdnotify tells systemd about the daemon's state (Type=notify units), without cgo or
// libsystemd: one datagram to $NOTIFY_SOCKET.
package sdnotify

import (
	"net"
	"os"
)

// States packuilon sends.
const (
	Ready     = "READY=1"
	Stopping  = "STOPPING=1"
	Reloading = "RELOADING=1"
)

// Notify sends state to systemd. It does nothing (and returns nil) when NOTIFY_SOCKET is unset.
func Notify(state string) error {
	addr := os.Getenv("NOTIFY_SOCKET")
	if addr == "" {
		return nil
	}
	if addr[0] == '@' { // abstract socket
		addr = "\x00" + addr[1:]
	}
	conn, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: addr, Net: "unixgram"})
	if err != nil {
		return err
	}
	defer conn.Close()
	_, err = conn.Write([]byte(state))
	return err
}
