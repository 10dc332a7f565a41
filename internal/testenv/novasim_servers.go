package testenv

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// simServer is a server record; its status moves from BUILD to its outcome after BootDelay.
type simServer struct {
	ID, Name, ImageID, FlavorID string
	ProjectID, UserID, KeyName  string
	Metadata                    map[string]string
	Networks                    []string
	Status                      string
	Created                     time.Time
	readyAt                     time.Time
	outcome                     Outcome
	console                     string
	seq                         int
}

// refresh applies the outcome once the boot delay has passed. Call with s.mu held.
func (v *simServer) refresh() {
	if v.Status == "BUILD" && v.outcome != OutcomeNeverActive && !time.Now().Before(v.readyAt) {
		v.Status = string(v.outcome)
	}
}

func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6], b[8] = b[6]&0x0f|0x40, b[8]&0x3f|0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

func (s *NovaSim) serverJSON(v *simServer, detail bool) map[string]any {
	m := map[string]any{"id": v.ID, "name": v.Name, "links": s.link("servers", v.ID)}
	if !detail {
		return m
	}
	const stamp = "2006-01-02T15:04:05Z"
	addresses := map[string]any{}
	for i, n := range v.Networks {
		addresses[n] = []map[string]any{{"addr": fmt.Sprintf("10.0.0.%d", 10+i), "version": 4}}
	}
	m["status"], m["tenant_id"], m["user_id"], m["metadata"] = v.Status, v.ProjectID, v.UserID, v.Metadata
	m["image"] = map[string]any{"id": v.ImageID, "links": s.link("images", v.ImageID)}
	m["flavor"] = map[string]any{"id": v.FlavorID, "links": s.link("flavors", v.FlavorID)}
	m["created"], m["updated"] = v.Created.UTC().Format(stamp), time.Now().UTC().Format(stamp)
	m["addresses"], m["key_name"], m["hostId"], m["accessIPv4"], m["accessIPv6"] = addresses, v.KeyName, "novasim", "", ""
	m["progress"], m["OS-EXT-STS:vm_state"], m["OS-EXT-STS:task_state"] = 0, strings.ToLower(v.Status), nil
	m["OS-EXT-STS:power_state"] = map[bool]int{true: 1, false: 0}[v.Status == "ACTIVE"]
	m["security_groups"] = []map[string]string{{"name": "default"}}
	if v.Status == "ERROR" {
		m["fault"] = map[string]any{"code": 500, "message": "No valid host was found. (nova simulator outcome ERROR)", "created": time.Now().UTC().Format(stamp)}
	}
	return m
}

func (s *NovaSim) createServer(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Server struct {
			Name      string            `json:"name"`
			ImageRef  string            `json:"imageRef"`
			FlavorRef string            `json:"flavorRef"`
			KeyName   string            `json:"key_name"`
			Metadata  map[string]string `json:"metadata"`
			Networks  json.RawMessage   `json:"networks"`
		} `json:"server"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		fault(w, http.StatusBadRequest, "badRequest", "Invalid server request: "+err.Error())
		return
	}
	req := body.Server
	flavor, ok := findFlavor(lastSegment(req.FlavorRef))
	if !ok {
		fault(w, http.StatusBadRequest, "badRequest", "Flavor "+req.FlavorRef+" could not be found.")
		return
	}
	imageID := lastSegment(req.ImageRef)
	img, code, err := s.glanceImage(r.Context(), r.Header.Get("X-Auth-Token"), imageID)
	switch {
	case code == http.StatusNotFound:
		fault(w, http.StatusBadRequest, "badRequest", "Image "+imageID+" could not be found.")
		return
	case err != nil:
		fault(w, http.StatusServiceUnavailable, "computeFault", "image service: "+err.Error())
		return
	case img.Status != "active":
		fault(w, http.StatusBadRequest, "badRequest", "Image "+imageID+" is not active.")
		return
	case img.MinDisk > flavor.Disk:
		fault(w, http.StatusBadRequest, "badRequest", "Flavor's disk is too small for requested image.")
		return
	case img.MinRAM > flavor.RAM:
		fault(w, http.StatusBadRequest, "badRequest", "Flavor's memory is too small for requested image.")
		return
	}
	var nets []struct {
		UUID string `json:"uuid"`
	}
	json.Unmarshal(req.Networks, &nets) // "auto", "none" or absent: no named networks
	ti := caller(r)
	v := &simServer{ID: newUUID(), Name: req.Name, ImageID: imageID, FlavorID: flavor.ID, ProjectID: ti.ProjectID,
		UserID: ti.UserID, KeyName: req.KeyName, Metadata: req.Metadata, Status: "BUILD", Created: time.Now()}
	if v.Metadata == nil {
		v.Metadata = map[string]string{}
	}
	for _, n := range nets {
		v.Networks = append(v.Networks, n.UUID)
	}
	if len(v.Networks) == 0 {
		v.Networks = []string{"private"}
	}
	s.mu.Lock()
	v.readyAt = time.Now().Add(s.BootDelay)
	v.outcome, v.console = OutcomeActive, DefaultConsole
	if o, ok := s.outcomes[imageID]; ok {
		v.outcome = o
	}
	if c, ok := s.consoles[imageID]; ok {
		v.console = c
	}
	s.seq++
	v.seq = s.seq
	s.servers[v.ID] = v
	s.mu.Unlock()
	reply(w, http.StatusAccepted, map[string]any{"server": map[string]any{"id": v.ID, "links": s.link("servers", v.ID),
		"adminPass": "novasim", "OS-DCF:diskConfig": "MANUAL", "security_groups": []map[string]string{{"name": "default"}}}})
}

// lookup finds a server the caller may see, refreshed. Call with s.mu held.
func (s *NovaSim) lookup(r *http.Request) (*simServer, bool) {
	v, ok := s.servers[r.PathValue("id")]
	if !ok || (v.ProjectID != caller(r).ProjectID && !caller(r).Admin) {
		return nil, false
	}
	v.refresh()
	return v, true
}

// withServer runs fn, with s.mu held, on the server the path names, or answers 404.
func (s *NovaSim) withServer(w http.ResponseWriter, r *http.Request, fn func(v *simServer)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.lookup(r)
	if !ok {
		notFound(w, "Instance", r.PathValue("id"))
		return
	}
	fn(v)
}

func (s *NovaSim) showServer(w http.ResponseWriter, r *http.Request) {
	s.withServer(w, r, func(v *simServer) { reply(w, http.StatusOK, map[string]any{"server": s.serverJSON(v, true)}) })
}

func (s *NovaSim) serverMetadata(w http.ResponseWriter, r *http.Request) {
	s.withServer(w, r, func(v *simServer) { reply(w, http.StatusOK, map[string]any{"metadata": v.Metadata}) })
}

// listServers filters as Nova does: by project (all projects for admins asking all_tenants),
// image, status and name (a regular expression).
func (s *NovaSim) listServers(detail bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		all, _ := strconv.ParseBool(q.Get("all_tenants"))
		all = all && caller(r).Admin
		var nameRE *regexp.Regexp
		if n := q.Get("name"); n != "" {
			var err error
			if nameRE, err = regexp.Compile(n); err != nil {
				fault(w, http.StatusBadRequest, "badRequest", "Invalid name filter")
				return
			}
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		// Nova pages by marker (the last id of the previous page) in a stable order; clients
		// asking for everything (novaclient's limit=-1) loop until an empty page.
		ordered := make([]*simServer, 0, len(s.servers))
		for _, v := range s.servers {
			ordered = append(ordered, v)
		}
		sort.Slice(ordered, func(i, j int) bool { return ordered[i].seq < ordered[j].seq })
		if m := q.Get("marker"); m != "" {
			i := slices.IndexFunc(ordered, func(v *simServer) bool { return v.ID == m })
			if i < 0 {
				fault(w, http.StatusBadRequest, "badRequest", "marker ["+m+"] not found")
				return
			}
			ordered = ordered[i+1:]
		}
		limit, _ := strconv.Atoi(q.Get("limit"))
		out := []any{}
		for _, v := range ordered {
			if limit > 0 && len(out) == limit {
				break
			}
			v.refresh()
			switch {
			case !all && v.ProjectID != caller(r).ProjectID,
				q.Get("image") != "" && q.Get("image") != v.ImageID,
				q.Get("status") != "" && !strings.EqualFold(q.Get("status"), v.Status),
				nameRE != nil && !nameRE.MatchString(v.Name):
				continue
			}
			out = append(out, s.serverJSON(v, detail))
		}
		reply(w, http.StatusOK, map[string]any{"servers": out})
	}
}

func (s *NovaSim) deleteServer(w http.ResponseWriter, r *http.Request) {
	s.withServer(w, r, func(v *simServer) {
		delete(s.servers, v.ID)
		s.deleted = append(s.deleted, v.ID)
		w.WriteHeader(http.StatusNoContent)
	})
}
