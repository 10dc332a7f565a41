package testenv

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/packuilon/packuilon/internal/procgroup"
)

// errPortTaken: the port a service was given answers, but from another process. FreePort
// closes the port it found, so until the service binds it, any process on the machine (another
// test binary's service, an httptest server) may take it; the service then fails to bind, and
// its readiness probe is answered by the other process, whose replies look like a broken
// service (a catalog endpoint with no API behind it) instead of a failed start.
var errPortTaken = errors.New("port taken by another process")

// ownsListener reports whether a live process of group g listens on 127.0.0.1:port (or on every
// address at port), read from /proc: the listening socket's inode must be among the group's
// open files. The group's members are procgroup's (its start time tells it from a later group
// of the same id).
func ownsListener(g procgroup.Group, port int) (bool, error) {
	inodes, err := listeningInodes(port)
	if err != nil {
		return false, err
	}
	if len(inodes) == 0 {
		return false, nil
	}
	pids, err := g.Members()
	if err != nil {
		return false, err
	}
	for _, pid := range pids {
		dir := filepath.Join("/proc", strconv.Itoa(pid), "fd")
		fds, _ := os.ReadDir(dir) // the process may have exited
		for _, fd := range fds {
			link, err := os.Readlink(filepath.Join(dir, fd.Name()))
			if err == nil && inodes[link] {
				return true, nil
			}
		}
	}
	return false, nil
}

// listeningInodes returns the "socket:[inode]" names of the sockets listening on port at
// 127.0.0.1 or 0.0.0.0 (/proc/net/tcp), or at :: (/proc/net/tcp6): an IPv6 wildcard listener
// that is not IPv6-only, as Go's net.Listen("tcp", ":port") makes, holds the IPv4 port too.
func listeningInodes(port int) (map[string]bool, error) {
	inodes := map[string]bool{}
	for _, t := range []struct {
		file string
		want []string
	}{
		{"/proc/net/tcp", []string{procNetAddr(net.IPv4(127, 0, 0, 1).To4(), port), procNetAddr(net.IPv4zero.To4(), port)}},
		{"/proc/net/tcp6", []string{procNetAddr(net.IPv6unspecified, port)}},
	} {
		data, err := os.ReadFile(t.file)
		if errors.Is(err, os.ErrNotExist) && t.file == "/proc/net/tcp6" {
			continue // a kernel without IPv6
		}
		if err != nil {
			return nil, fmt.Errorf("read listening sockets: %w", err)
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		for sc.Scan() {
			// sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
			const listen = "0A"
			f := strings.Fields(sc.Text())
			if len(f) >= 10 && f[3] == listen && slices.Contains(t.want, f[1]) {
				inodes["socket:["+f[9]+"]"] = true
			}
		}
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("read listening sockets: %w", err)
		}
	}
	return inodes, nil
}

// procNetAddr is ip:port as /proc/net/tcp and tcp6 print it: each four bytes of the address
// (network order in memory) printed as a 32-bit number of the host's byte order, in hex, then
// the port in hex ("0100007F:1F90" for 127.0.0.1:8080 on a little-endian host, "7F000001:1F90"
// on a big-endian one). ip is 4 or 16 bytes long.
func procNetAddr(ip net.IP, port int) string {
	var b strings.Builder
	for i := 0; i+4 <= len(ip); i += 4 {
		fmt.Fprintf(&b, "%08X", binary.NativeEndian.Uint32(ip[i:i+4]))
	}
	fmt.Fprintf(&b, ":%04X", port)
	return b.String()
}

// checkOwnsPort returns errPortTaken (wrapped, naming the port) when the service's process
// group does not hold the listener on port after its readiness probe was answered.
func (s *service) checkOwnsPort(port int) error {
	ok, err := ownsListener(s.group, port)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%s: 127.0.0.1:%d answers, but not from %s: %w", s.name, port, s.name, errPortTaken)
	}
	return nil
}

// waitOwnHTTP waits until the service answers on url (waitHTTP), then checks that it owns the
// listener on port (checkOwnsPort). A service that exited before answering while another
// process listens on its port failed to bind it: that is errPortTaken too, whether or not the
// other process speaks HTTP (a broker, a database, a bare TCP listener of another test).
func (s *service) waitOwnHTTP(url string, port int, timeout time.Duration) error {
	if err := s.waitHTTP(url, timeout); err != nil {
		select {
		case <-s.exited:
			return takenAfterExit(err, s.group, port)
		default:
		}
		return err
	}
	return s.checkOwnsPort(port)
}

// takenAfterExit is err, the failure of a service (process group g) that exited before it
// was ready, wrapping errPortTaken too when another process listens on its port: the service
// failed to bind it.
func takenAfterExit(err error, g procgroup.Group, port int) error {
	inodes, lerr := listeningInodes(port)
	if lerr != nil || len(inodes) == 0 {
		return err
	}
	if own, oerr := ownsListener(g, port); oerr != nil || own {
		return err
	}
	return fmt.Errorf("%w: 127.0.0.1:%d is another process's: %w", err, port, errPortTaken)
}
