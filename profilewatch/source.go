package profilewatch

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/packuilon/packuilon/internal/config"
)

// Source is where the index and the profiles come from: Aquilon's web server (HTTPSource) or a
// directory on this machine (DirSource, for file:// URLs).
type Source interface {
	// Index fetches and parses the index as a stream; bad entries are skipped and returned.
	Index(ctx context.Context) (Index, []BadEntry, error)
	// Fetch returns the body of the named profile, decompressed and within the size cap.
	Fetch(ctx context.Context, name string) ([]byte, error)
	// URL is where the named profile is, for the build request's profile_url.
	URL(name string) string
}

// NewSource returns the source for the [cdb2rabbit] URLs: file:// gives a DirSource, http(s) an
// HTTPSource.
func NewSource(w config.Watch) (Source, error) {
	if w.ProfileInfoURL == "" {
		return nil, errors.New("PROFILE_INFO_URL is not set")
	}
	info, err := url.Parse(w.ProfileInfoURL)
	if err != nil {
		return nil, fmt.Errorf("PROFILE_INFO_URL: %w", err)
	}
	dir, err := url.Parse(w.ProfileDirURL)
	if err != nil {
		return nil, fmt.Errorf("PROFILE_DIR_URL: %w", err)
	}
	if info.Scheme == "file" {
		return &DirSource{IndexPath: info.Path, Dir: dir.Path, MaxSize: w.MaxProfileSize}, nil
	}
	src := NewHTTPSource(info, dir, w)
	if err := src.setAuth(w.Auth); err != nil {
		return nil, err
	}
	return src, nil
}

// HTTPSource fetches from Aquilon's profile web server.
type HTTPSource struct {
	info, dir *url.URL
	client    *http.Client
	max       int64
	// auth holds the basic-auth credentials by host (see setAuth).
	auth map[string]basicAuth
}

// NewHTTPSource returns a source for the index at info and profiles under dir.
func NewHTTPSource(info, dir *url.URL, w config.Watch) *HTTPSource {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	// What the server sends is what readBody sees: a transport that decoded gzip by itself would
	// hide the format from the name-or-magic detection.
	tr.DisableCompression = true
	tr.MaxIdleConnsPerHost = w.Parallelism
	return &HTTPSource{info: info, dir: dir, client: &http.Client{Transport: tr, Timeout: w.HTTPTimeout}, max: w.MaxProfileSize}
}

// HTTPError is a response other than 200.
type HTTPError struct {
	URL    string
	Status int
}

// Error names the URL and the status.
func (e *HTTPError) Error() string { return fmt.Sprintf("GET %s: HTTP %d", e.URL, e.Status) }

// Index fetches the index; when an ".xml" URL is not found, the ".xml.gz" next to it is tried,
// which is what Aquilon writes with gzip_output and transparent_gzip. It is parsed as it arrives.
func (s *HTTPSource) Index(ctx context.Context) (Index, []BadEntry, error) {
	return s.indexEach(ctx, nil, nil)
}

// eachSource is a source that can give each index entry to a function as it is parsed, instead
// of making the index map.
type eachSource interface {
	indexEach(ctx context.Context, entries func() int, each func(name string, mt int64)) (Index, []BadEntry, error)
}

// indexEach is src's index, with each (if not nil) given every entry as it is parsed when the
// source can (and the index returned nil: the caller keeps the entries), else after. entries, if
// not nil, guesses the number of entries (0: no guess) once the index starts to arrive.
func indexEach(ctx context.Context, src Source, entries func() int, each func(name string, mt int64)) (Index, []BadEntry, error) {
	if es, ok := src.(eachSource); ok {
		return es.indexEach(ctx, entries, each)
	}
	idx, bad, err := src.Index(ctx)
	if err == nil && each != nil {
		for name, mt := range idx {
			each(name, mt)
		}
	}
	return idx, bad, err
}

// indexEach is Index giving each entry to each as it is parsed instead, when each is not nil
// (eachSource).
func (s *HTTPSource) indexEach(ctx context.Context, entries func() int, each func(name string, mt int64)) (Index, []BadEntry, error) {
	u := s.info.String()
	resp, err := s.open(ctx, u, maxIndexSize)
	var he *HTTPError
	if errors.As(err, &he) && he.Status == http.StatusNotFound && strings.HasSuffix(s.info.Path, ".xml") {
		u += ".gz"
		resp, err = s.open(ctx, u, maxIndexSize)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("fetch index: %w", err)
	}
	defer resp.Body.Close()
	body, done, err := openBody(resp.Body, resp.Request.URL.Path, maxIndexSize)
	if err != nil {
		return nil, nil, fmt.Errorf("fetch index: %w", err)
	}
	defer done()
	// The map is made for the entries the previous index had (the cache's, a little more), else
	// for the length announced: a chunked index announces none.
	n := int(min(resp.ContentLength, maxIndexSize) / bytesPerEntry)
	if entries != nil {
		if e := entries(); e > 0 {
			n = e + e/16
		}
	}
	idx, bad, err := parseIndex(body, n, each)
	if err != nil {
		return nil, nil, fmt.Errorf("index %s: %w", u, err)
	}
	return idx, bad, nil
}

// Fetch downloads one profile.
func (s *HTTPSource) Fetch(ctx context.Context, name string) ([]byte, error) {
	return s.fetchInto(ctx, name, nil)
}

// fetchInto downloads one profile into buf (bufferedSource).
func (s *HTTPSource) fetchInto(ctx context.Context, name string, buf []byte) ([]byte, error) {
	resp, err := s.open(ctx, s.URL(name), s.max)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return readBodyInto(resp.Body, resp.Request.URL.Path, s.max, resp.ContentLength, buf)
}

// URL joins the profile directory and the name, escaping each path segment.
func (s *HTTPSource) URL(name string) string {
	return s.dir.JoinPath(strings.Split(name, "/")...).String()
}

// open sends the GET; the caller closes the body of the 200 response it returns.
func (s *HTTPSource) open(ctx context.Context, u string, max int64) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	s.authorize(req)
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, &HTTPError{URL: u, Status: resp.StatusCode}
	}
	// A body announced as larger than the cap is refused before it is read; compressed bodies
	// of JSON are far smaller than what they expand to, so this refuses nothing readBody would take.
	if resp.ContentLength > max {
		resp.Body.Close()
		return nil, fmt.Errorf("%w: %d bytes", ErrTooBig, resp.ContentLength)
	}
	return resp, nil
}
