package testenv

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// NovaSim is a Nova API SIMULATOR, not Nova: Nova cannot run here (see STACK.md), so tests and
// the demo get this small HTTP server on loopback instead, registered as the "compute" service
// in the real Keystone catalog. It implements what packer's openstack builder, Rally's
// NovaServers scenarios and packuilon's boot test call: flavors, os-keypairs, servers
// (create/show/list/delete), the server actions os-stop and createImage, and
// os-getConsoleOutput. It boots nothing: a server is a record whose status moves on a timer.
//
// Tokens are validated against the real Keystone. createImage creates and uploads a small image
// in the real Glance with the caller's token, so the snapshot lands in the caller's project as
// it would with Nova, and returns its id (Location header and body, as Nova 2.x does).
type NovaSim struct {
	// URL is the compute endpoint (…/v2.1), as registered in the catalog.
	URL string
	// BootDelay is how long a new server stays in BUILD before its outcome applies.
	BootDelay time.Duration

	authURL   string
	glanceURL string
	admin     func(ctx context.Context) (string, error) // an admin token, for validating others
	srv       *http.Server
	ln        net.Listener

	mu       sync.Mutex
	servers  map[string]*simServer
	keypairs map[string]map[string]string // project → name → public key
	outcomes map[string]Outcome           // image id → outcome
	snapOut  map[string]Outcome           // source image id → outcome of its snapshots
	consoles map[string]string            // image id → console log
	tokens   map[string]tokenInfo         // validated tokens
	deleted  []string                     // ids of deleted servers, oldest first
	unknown  []string                     // requests no route matched
	seq      int                          // creation order of servers, for paging

	ownToken   string
	ownTokenAt time.Time
}

// Outcome is what becomes of a server booted from an image.
type Outcome string

// Outcomes the simulator can give a booted server.
const (
	OutcomeActive      Outcome = "ACTIVE"
	OutcomeError       Outcome = "ERROR"
	OutcomeNeverActive Outcome = "BUILD" // stays in BUILD forever: a boot that hangs
)

// DefaultConsole is the console log of a server whose image has none configured: a boot that
// reached a login prompt.
const DefaultConsole = "Booting packuilon novasim kernel\nCloud-init finished\nnovasim login: "

// SimFlavor is one of the simulator's fixed flavors.
type SimFlavor struct {
	ID    string
	Name  string
	RAM   int // MiB
	Disk  int // GiB
	VCPUs int
}

// SimFlavors are the flavors every NovaSim has, smallest first.
var SimFlavors = []SimFlavor{
	{"1", "m1.tiny", 512, 1, 1},
	{"2", "m1.small", 2048, 20, 1},
	{"3", "m1.medium", 4096, 40, 2},
	{"4", "m1.large", 8192, 80, 4},
}

// StartNovaSim starts a simulator that validates tokens against o's Keystone and snapshots
// into o's Glance, and registers it as "compute" in o's catalog. The caller must call Stop.
func StartNovaSim(ctx context.Context, o *OpenStack) (*NovaSim, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &NovaSim{
		URL:       fmt.Sprintf("http://%s/v2.1", ln.Addr()),
		BootDelay: 300 * time.Millisecond,
		authURL:   o.AuthURL,
		glanceURL: o.GlanceURL,
		ln:        ln,
		servers:   map[string]*simServer{},
		keypairs:  map[string]map[string]string{},
		outcomes:  map[string]Outcome{},
		snapOut:   map[string]Outcome{},
		consoles:  map[string]string{},
		tokens:    map[string]tokenInfo{},
	}
	s.admin = adminTokenSource(o)
	s.srv = &http.Server{Handler: s.routes(), ReadHeaderTimeout: 10 * time.Second}
	go s.srv.Serve(ln)
	if err := o.RegisterService(ctx, "compute", s.URL); err != nil {
		s.Stop()
		return nil, fmt.Errorf("register the nova simulator as compute: %w", err)
	}
	// Packer's openstack builder creates a network client before every build, although it calls
	// Neutron only for network discovery. The simulator serves no networking API: it stands in
	// the catalog as "network" so the client can be created, and any call to it is recorded by
	// Unhandled, which tests check.
	if err := o.RegisterService(ctx, "network", strings.TrimSuffix(s.URL, "/v2.1")+"/network"); err != nil {
		s.Stop()
		return nil, fmt.Errorf("register the nova simulator as network: %w", err)
	}
	return s, nil
}

// Stop closes the simulator's listener and connections.
func (s *NovaSim) Stop() { s.srv.Close() }

// SetOutcome makes servers booted from image end in outcome (default OutcomeActive).
func (s *NovaSim) SetOutcome(imageID string, o Outcome) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.outcomes[imageID] = o
}

// SetSnapshotOutcome makes servers booted from images snapshotted (createImage) from servers
// of source end in outcome: how a test makes the image a packer build produces fail its smoke
// test before knowing its id.
func (s *NovaSim) SetSnapshotOutcome(source string, o Outcome) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.snapOut[source] = o
}

// SetConsole sets the console log of servers booted from image (default DefaultConsole).
func (s *NovaSim) SetConsole(imageID, log string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.consoles[imageID] = log
}

// ServerCount is the number of servers that exist (not deleted), in every project.
func (s *NovaSim) ServerCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.servers)
}

// Deleted returns the ids of the servers deleted so far, oldest first.
func (s *NovaSim) Deleted() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.deleted...)
}

var (
	sharedNovaOnce sync.Once
	sharedNova     *NovaSim
	sharedNovaErr  error
)

// SharedNovaSim returns the package's Nova simulator on SharedOpenStack, starting it on first
// use; Main stops it.
func SharedNovaSim(t testing.TB) (*OpenStack, *NovaSim) {
	t.Helper()
	o := SharedOpenStack(t)
	sharedNovaOnce.Do(func() {
		sharedNova, sharedNovaErr = StartNovaSim(context.Background(), o)
		if sharedNovaErr == nil {
			atExit(sharedNova.Stop)
		}
	})
	if sharedNovaErr != nil {
		t.Fatalf("start the nova simulator: %v", sharedNovaErr)
	}
	return o, sharedNova
}
