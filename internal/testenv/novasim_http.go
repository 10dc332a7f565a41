package testenv

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

type ctxKey struct{}

// routes is the simulator's API. Every route but the version documents needs a valid token.
func (s *NovaSim) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.versions)
	mux.HandleFunc("GET /v2.1", s.version)
	mux.HandleFunc("GET /v2.1/{$}", s.version)
	api := func(pattern string, h http.HandlerFunc) { mux.Handle(pattern, s.authed(h)) }
	api("GET /v2.1/flavors", s.listFlavors(false))
	api("GET /v2.1/flavors/detail", s.listFlavors(true))
	api("GET /v2.1/flavors/{id}", s.showFlavor)
	api("GET /v2.1/os-keypairs", s.listKeypairs)
	api("POST /v2.1/os-keypairs", s.createKeypair)
	api("GET /v2.1/os-keypairs/{name}", s.showKeypair)
	api("DELETE /v2.1/os-keypairs/{name}", s.deleteKeypair)
	api("GET /v2.1/os-server-groups", func(w http.ResponseWriter, _ *http.Request) {
		reply(w, http.StatusOK, map[string]any{"server_groups": []any{}}) // none: cleaners list them
	})
	api("POST /v2.1/servers", s.createServer)
	api("GET /v2.1/servers", s.listServers(false))
	api("GET /v2.1/servers/detail", s.listServers(true))
	api("GET /v2.1/servers/{id}", s.showServer)
	api("GET /v2.1/servers/{id}/metadata", s.serverMetadata)
	api("DELETE /v2.1/servers/{id}", s.deleteServer)
	api("POST /v2.1/servers/{id}/action", s.serverAction)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.unknown = append(s.unknown, r.Method+" "+r.URL.String())
		s.mu.Unlock()
		fault(w, http.StatusNotFound, "itemNotFound", "the nova simulator does not implement "+r.Method+" "+r.URL.Path)
	})
	return mux
}

// Unhandled lists the requests the simulator had no route for (to extend it when a client
// needs more of the API).
func (s *NovaSim) Unhandled() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.unknown...)
}

func (s *NovaSim) authed(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ti, err := s.validate(r.Context(), r.Header.Get("X-Auth-Token"))
		if err != nil {
			w.Header().Set("WWW-Authenticate", "Keystone uri='"+s.authURL+"'")
			fault(w, http.StatusUnauthorized, "unauthorized", "The request you have made requires authentication: "+err.Error())
			return
		}
		// Nova answers in the microversion it was asked for; the simulator speaks 2.1 shapes,
		// which every client accepts.
		w.Header().Set("OpenStack-API-Version", "compute 2.1")
		w.Header().Set("X-OpenStack-Nova-API-Version", "2.1")
		h(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, ti)))
	})
}

func caller(r *http.Request) tokenInfo { return r.Context().Value(ctxKey{}).(tokenInfo) }

func (s *NovaSim) versionDoc() map[string]any {
	return map[string]any{"id": "v2.1", "status": "CURRENT", "version": "2.1", "min_version": "2.1",
		"updated": "2013-07-23T11:33:21Z", "links": []map[string]string{{"rel": "self", "href": s.URL + "/"}}}
}

func (s *NovaSim) versions(w http.ResponseWriter, _ *http.Request) {
	reply(w, http.StatusOK, map[string]any{"versions": []any{s.versionDoc()}})
}

func (s *NovaSim) version(w http.ResponseWriter, _ *http.Request) {
	reply(w, http.StatusOK, map[string]any{"version": s.versionDoc()})
}

func reply(w http.ResponseWriter, code int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(body)
}

// fault writes Nova's error body: {"<kind>": {"code": N, "message": "..."}}.
func fault(w http.ResponseWriter, code int, kind, msg string) {
	reply(w, code, map[string]any{kind: map[string]any{"code": code, "message": msg}})
}

func notFound(w http.ResponseWriter, what, id string) {
	fault(w, http.StatusNotFound, "itemNotFound", what+" "+id+" could not be found.")
}

func (s *NovaSim) link(kind, id string) []map[string]string {
	return []map[string]string{{"rel": "self", "href": fmt.Sprintf("%s/%s/%s", s.URL, kind, id)}}
}

// lastSegment accepts an id or a URL ending in the id (imageRef and flavorRef may be either).
func lastSegment(ref string) string {
	return ref[strings.LastIndex(ref, "/")+1:]
}

func (s *NovaSim) flavorJSON(f SimFlavor, detail bool) map[string]any {
	m := map[string]any{"id": f.ID, "name": f.Name, "links": s.link("flavors", f.ID)}
	if detail {
		m["ram"], m["disk"], m["vcpus"], m["swap"] = f.RAM, f.Disk, f.VCPUs, ""
		m["OS-FLV-EXT-DATA:ephemeral"], m["OS-FLV-DISABLED:disabled"] = 0, false
		m["os-flavor-access:is_public"], m["rxtx_factor"] = true, 1.0
	}
	return m
}

func findFlavor(id string) (SimFlavor, bool) {
	for _, f := range SimFlavors {
		if f.ID == id {
			return f, true
		}
	}
	return SimFlavor{}, false
}

func (s *NovaSim) listFlavors(detail bool) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		out := make([]any, 0, len(SimFlavors))
		for _, f := range SimFlavors {
			out = append(out, s.flavorJSON(f, detail))
		}
		reply(w, http.StatusOK, map[string]any{"flavors": out})
	}
}

func (s *NovaSim) showFlavor(w http.ResponseWriter, r *http.Request) {
	f, ok := findFlavor(r.PathValue("id"))
	if !ok {
		notFound(w, "Flavor", r.PathValue("id"))
		return
	}
	reply(w, http.StatusOK, map[string]any{"flavor": s.flavorJSON(f, true)})
}

func (s *NovaSim) listKeypairs(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []any{}
	for name, pub := range s.keypairs[caller(r).ProjectID] {
		out = append(out, map[string]any{"keypair": map[string]any{"name": name, "public_key": pub, "fingerprint": "00:00"}})
	}
	reply(w, http.StatusOK, map[string]any{"keypairs": out})
}

func (s *NovaSim) createKeypair(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Keypair struct {
			Name      string `json:"name"`
			PublicKey string `json:"public_key"`
		} `json:"keypair"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.Keypair.Name == "" {
		fault(w, http.StatusBadRequest, "badRequest", "Invalid keypair request")
		return
	}
	var private string
	if body.Keypair.PublicKey == "" {
		// Nova generates the pair and returns the private key once; packer's openstack builder
		// asks for this even with communicator none.
		var err error
		if body.Keypair.PublicKey, private, err = generateKeypair(body.Keypair.Name); err != nil {
			fault(w, http.StatusInternalServerError, "computeFault", err.Error())
			return
		}
	}
	p := caller(r).ProjectID
	s.mu.Lock()
	if s.keypairs[p] == nil {
		s.keypairs[p] = map[string]string{}
	}
	s.keypairs[p][body.Keypair.Name] = body.Keypair.PublicKey
	s.mu.Unlock()
	kp := map[string]any{"name": body.Keypair.Name, "public_key": body.Keypair.PublicKey, "fingerprint": "00:00", "user_id": caller(r).UserID}
	if private != "" {
		kp["private_key"] = private
	}
	reply(w, http.StatusOK, map[string]any{"keypair": kp})
}

func (s *NovaSim) showKeypair(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	pub, ok := s.keypairs[caller(r).ProjectID][r.PathValue("name")]
	s.mu.Unlock()
	if !ok {
		notFound(w, "Keypair", r.PathValue("name"))
		return
	}
	reply(w, http.StatusOK, map[string]any{"keypair": map[string]any{"name": r.PathValue("name"), "public_key": pub, "fingerprint": "00:00"}})
}

func (s *NovaSim) deleteKeypair(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	_, ok := s.keypairs[caller(r).ProjectID][r.PathValue("name")]
	delete(s.keypairs[caller(r).ProjectID], r.PathValue("name"))
	s.mu.Unlock()
	if !ok {
		notFound(w, "Keypair", r.PathValue("name"))
		return
	}
	w.WriteHeader(http.StatusAccepted)
}
