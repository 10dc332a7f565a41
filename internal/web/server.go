package web

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Server is a daemon's HTTP endpoint on HTTP_LISTEN.
type Server struct {
	srv  *http.Server
	addr net.Addr
	done chan error
}

// Start listens on addr and serves /metrics from reg, /healthz from health and everything
// else from page (nil: 404). A listen error is returned at once (a taken port stops the
// daemon's start rather than leaving it unobservable).
func Start(addr string, reg *prometheus.Registry, health *Health, page http.Handler, log hclog.Logger) (*Server, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("HTTP_LISTEN %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	mux.Handle("GET /healthz", health)
	if page != nil {
		mux.Handle("/", page)
	}
	s := &Server{addr: l.Addr(), done: make(chan error, 1),
		srv: &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ErrorLog: log.StandardLogger(&hclog.StandardLoggerOptions{InferLevels: true})}}
	go func() { s.done <- s.srv.Serve(l) }()
	log.Info("serving metrics, health and status", "address", s.addr.String())
	return s, nil
}

// Addr is the address it listens on (the real port when HTTP_LISTEN had port 0).
func (s *Server) Addr() net.Addr { return s.addr }

// Close stops the server, letting requests in flight finish for a few seconds.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	if serr := <-s.done; !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	return err
}
