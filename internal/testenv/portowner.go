package testenv

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
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

// listeningInodes returns the "socket:[inode]" names of the IPv4 sockets listening on port at
// 127.0.0.1 or 0.0.0.0.
func listeningInodes(port int) (map[string]bool, error) {
	data, err := os.ReadFile("/proc/net/tcp")
	if err != nil {
		return nil, fmt.Errorf("read listening sockets: %w", err)
	}
	const listen = "0A"
	want := []string{procNetAddr([4]byte{127, 0, 0, 1}, port), procNetAddr([4]byte{}, port)}
	inodes := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		// sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
		f := strings.Fields(sc.Text())
		if len(f) < 10 || f[3] != listen || (f[1] != want[0] && f[1] != want[1]) {
			continue
		}
		inodes["socket:["+f[9]+"]"] = true
	}
	return inodes, sc.Err()
}

// procNetAddr is ip:port as /proc/net/tcp prints it: the address's four bytes (network order
// in memory) printed as a 32-bit number of the host's byte order, in hex, then the port in hex
// ("0100007F:1F90" for 127.0.0.1:8080 on a little-endian host, "7F000001:1F90" on a big-endian one).
func procNetAddr(ip [4]byte, port int) string {
	return fmt.Sprintf("%08X:%04X", binary.NativeEndian.Uint32(ip[:]), port)
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
