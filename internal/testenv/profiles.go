package testenv

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/packuilon/packuilon/internal/retry"
)

// ProfileServerOptions choose which of Aquilon's publishing variants a ProfileServer imitates.
type ProfileServerOptions struct {
	// GzipIndex serves only profiles-info.xml.gz (gzip_output with transparent_gzip).
	GzipIndex bool
	// GzipNames lists profiles as NAME.json.gz with gzip bodies (transparent_gzip=false).
	GzipNames bool
	// GzipBodies serves gzip bodies under plain .json names (transparent_gzip=true).
	GzipBodies bool
	// Millis writes mtimes in milliseconds, as old SCDB writers did.
	Millis bool
	// User and Password, when set, are required as HTTP basic auth on every request (401
	// otherwise), as a profile server behind a password is.
	User, Password string
}

// ProfileServer is a real HTTP server on 127.0.0.1 serving an Aquilon profile tree: an index
// (profiles-info.xml, in random order as Aquilon writes it) and one JSON profile per host under
// /profiles/. Tests and the demo change, add and remove profiles while it runs.
type ProfileServer struct {
	opts ProfileServerOptions
	srv  *http.Server
	addr string

	mu        sync.Mutex
	hosts     map[string]*servedProfile
	clock     int64
	delay     time.Duration
	idxDelay  time.Duration
	indexHits int
	fetches   map[string]int
	rawLines  []string
	hold      profileHold // HoldAfter, Release
}

type servedProfile struct {
	body   []byte
	mtime  int64 // milliseconds
	status int
}

// StartProfileServer starts a server with no profiles. It needs no *testing.T, so the demo can
// use it; call Close when done.
func StartProfileServer(o ProfileServerOptions) (*ProfileServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &ProfileServer{
		opts:    o,
		addr:    ln.Addr().String(),
		hosts:   map[string]*servedProfile{},
		fetches: map[string]int{},
		// mtimes start at a whole second and move by whole seconds, as Aquilon's do.
		clock: time.Now().Unix() * 1000,
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/profiles/", s.serve)
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go s.srv.Serve(ln)
	return s, nil
}

// NewProfileServer starts a server for one test and closes it at cleanup.
func NewProfileServer(t testing.TB, o ProfileServerOptions) *ProfileServer {
	t.Helper()
	s, err := StartProfileServer(o)
	if err != nil {
		t.Fatalf("start profile server: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// Close stops the server.
func (s *ProfileServer) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s.srv.Shutdown(ctx)
}

// IndexURL is the PROFILE_INFO_URL (always the .xml name; with GzipIndex only the .gz exists).
func (s *ProfileServer) IndexURL() string { return "http://" + s.addr + "/profiles/profiles-info.xml" }

// DirURL is the PROFILE_DIR_URL.
func (s *ProfileServer) DirURL() string { return "http://" + s.addr + "/profiles/" }

// Name is the index name of host's profile in this server's variant.
func (s *ProfileServer) Name(host string) string {
	if s.opts.GzipNames {
		return host + ".json.gz"
	}
	return host + ".json"
}

// tick advances the server's clock by one second and returns it: every change gets a new mtime.
func (s *ProfileServer) tick() int64 {
	s.clock += 1000
	return s.clock
}

// Put adds or replaces host's profile with a new mtime (a compile that changed it).
func (s *ProfileServer) Put(host string, profile []byte) {
	body := profile
	if s.opts.GzipNames || s.opts.GzipBodies {
		body = Gzip(profile)
	}
	s.PutRaw(host, body, http.StatusOK)
}

// PutRaw serves body exactly as given with status, under a new mtime: for broken profiles.
func (s *ProfileServer) PutRaw(host string, body []byte, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hosts[host] = &servedProfile{body: body, status: status, mtime: s.tick()}
}

// Touch gives host's profile a new mtime without changing it (a recompile with the same content).
func (s *ProfileServer) Touch(host string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p, ok := s.hosts[host]; ok {
		p.mtime = s.tick()
	}
}

// Remove takes host out of the index.
func (s *ProfileServer) Remove(host string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.hosts, host)
}

// AddIndexOnly lists n hosts "<prefix>N.example.org" whose profiles are never fetched by a
// matching watcher: the bulk of a large site's index. Their bodies are 404.
func (s *ProfileServer) AddIndexOnly(prefix string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range n {
		s.hosts[fmt.Sprintf("%s%d.example.org", prefix, i)] = &servedProfile{status: http.StatusNotFound, mtime: s.tick()}
	}
}

// AddIndexLines puts lines into the index exactly as given, among the entries (for bad entries).
func (s *ProfileServer) AddIndexLines(lines ...string) {
	s.mu.Lock()
	s.rawLines = append(s.rawLines, lines...)
	s.mu.Unlock()
}

// SetDelay makes every profile response wait d (a slow server), to make a scan last.
func (s *ProfileServer) SetDelay(d time.Duration) { s.mu.Lock(); s.delay = d; s.mu.Unlock() }

// SetIndexDelay makes the index response wait d.
func (s *ProfileServer) SetIndexDelay(d time.Duration) { s.mu.Lock(); s.idxDelay = d; s.mu.Unlock() }

// IndexHits is how many times the index was requested: one per scan.
func (s *ProfileServer) IndexHits() int { s.mu.Lock(); defer s.mu.Unlock(); return s.indexHits }

// Fetches is how many times host's profile was requested.
func (s *ProfileServer) Fetches(host string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fetches[host]
}

func (s *ProfileServer) serve(w http.ResponseWriter, r *http.Request) {
	if s.opts.User != "" {
		if u, p, ok := r.BasicAuth(); !ok || u != s.opts.User || p != s.opts.Password {
			w.Header().Set("WWW-Authenticate", `Basic realm="profiles"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
	}
	name := strings.TrimPrefix(r.URL.Path, "/profiles/")
	if name == "profiles-info.xml" || name == "profiles-info.xml.gz" {
		s.serveIndex(w, r, strings.HasSuffix(name, ".gz"))
		return
	}
	host := strings.TrimSuffix(strings.TrimSuffix(name, ".gz"), ".json")
	s.mu.Lock()
	p, ok := s.hosts[host]
	if ok && name != s.Name(host) {
		ok = false
	}
	s.fetches[host]++
	delay := s.delay
	var body []byte
	status := http.StatusNotFound
	if ok {
		body, status = p.body, p.status
	}
	s.mu.Unlock()
	if gate := s.hold.take(); gate != nil {
		select {
		case <-gate:
		case <-r.Context().Done():
			return
		}
	}
	if !retry.Sleep(r.Context(), delay) { // the client went away first
		return
	}
	if status != http.StatusOK {
		http.Error(w, http.StatusText(status), status)
		return
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.Write(body)
}

func (s *ProfileServer) serveIndex(w http.ResponseWriter, r *http.Request, gz bool) {
	if gz != s.opts.GzipIndex {
		http.NotFound(w, r)
		return
	}
	s.mu.Lock()
	s.indexHits++
	delay := s.idxDelay
	type entry struct {
		name  string
		mtime int64
	}
	entries := make([]entry, 0, len(s.hosts))
	for h, p := range s.hosts {
		entries = append(entries, entry{s.Name(h), p.mtime})
	}
	raw := s.rawLines
	s.mu.Unlock()
	// Aquilon writes the index in no particular order; so does this server, differently each time.
	rand.Shuffle(len(entries), func(i, j int) { entries[i], entries[j] = entries[j], entries[i] })
	var b bytes.Buffer
	b.WriteString("<?xml version='1.0' encoding='utf-8'?>\n<profiles>\n")
	for _, e := range entries {
		mt := e.mtime / 1000
		if s.opts.Millis {
			mt = e.mtime
		}
		fmt.Fprintf(&b, "<profile mtime='%d'>%s</profile>\n", mt, e.name)
		if len(raw) > 0 && rand.IntN(4) == 0 {
			b.WriteString(raw[0] + "\n")
			raw = raw[1:]
		}
	}
	for _, l := range raw {
		b.WriteString(l + "\n")
	}
	b.WriteString("</profiles>")
	out := b.Bytes()
	if gz {
		out = Gzip(out)
	}
	if !retry.Sleep(r.Context(), delay) { // the client went away first
		return
	}
	w.Write(out)
}

// Gzip compresses b.
func Gzip(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}
