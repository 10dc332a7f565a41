package testenv

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// serverAction implements os-stop, os-start, createImage and os-getConsoleOutput.
func (s *NovaSim) serverAction(w http.ResponseWriter, r *http.Request) {
	var body map[string]json.RawMessage
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || len(body) != 1 {
		fault(w, http.StatusBadRequest, "badRequest", "Invalid server action")
		return
	}
	s.mu.Lock()
	v, ok := s.lookup(r)
	if !ok {
		s.mu.Unlock()
		notFound(w, "Instance", r.PathValue("id"))
		return
	}
	status := v.Status
	switch {
	case body["os-stop"] != nil && status == "ACTIVE":
		v.Status = "SHUTOFF"
	case body["os-start"] != nil && status == "SHUTOFF":
		v.Status = "ACTIVE"
	}
	snap := *v
	s.mu.Unlock()
	switch {
	case body["os-stop"] != nil || body["os-start"] != nil:
		if status != "ACTIVE" && status != "SHUTOFF" {
			fault(w, http.StatusConflict, "conflictingRequest", "Cannot change power state of instance "+v.ID+" while it is in vm_state "+strings.ToLower(status))
			return
		}
		w.WriteHeader(http.StatusAccepted)
	case body["os-getConsoleOutput"] != nil:
		var args struct {
			Length json.Number `json:"length"`
		}
		json.Unmarshal(body["os-getConsoleOutput"], &args)
		reply(w, http.StatusOK, map[string]any{"output": consoleTail(snap.console, args.Length)})
	case body["createImage"] != nil:
		s.createImage(w, r, snap, body["createImage"])
	default:
		fault(w, http.StatusBadRequest, "badRequest", "the nova simulator does not implement this action")
	}
}

func consoleTail(log string, length json.Number) string {
	n, err := length.Int64()
	if err != nil || n <= 0 {
		return log
	}
	lines := strings.SplitAfter(log, "\n")
	if int64(len(lines)) > n {
		lines = lines[int64(len(lines))-n:]
	}
	return strings.Join(lines, "")
}

// createImage snapshots the server into the real Glance with the caller's token: the image is
// created, a small payload uploaded (so it becomes active, which packer waits for), and its
// id returned in the Location header and the body, as Nova 2.x does.
func (s *NovaSim) createImage(w http.ResponseWriter, r *http.Request, v simServer, raw json.RawMessage) {
	var args struct {
		Name     string            `json:"name"`
		Metadata map[string]string `json:"metadata"`
	}
	if err := json.Unmarshal(raw, &args); err != nil || args.Name == "" {
		fault(w, http.StatusBadRequest, "badRequest", "createImage needs a name")
		return
	}
	if v.Status != "ACTIVE" && v.Status != "SHUTOFF" {
		fault(w, http.StatusConflict, "conflictingRequest", "Cannot 'createImage' instance "+v.ID+" while it is in vm_state "+strings.ToLower(v.Status))
		return
	}
	token := r.Header.Get("X-Auth-Token")
	src, _, err := s.glanceImage(r.Context(), token, v.ImageID)
	if err != nil {
		fault(w, http.StatusServiceUnavailable, "computeFault", "image service: "+err.Error())
		return
	}
	img := map[string]any{}
	for k, val := range args.Metadata {
		img[k] = val
	}
	for k, val := range map[string]any{"name": args.Name, "container_format": "bare", "disk_format": src.DiskFormat,
		"visibility": "private", "min_disk": src.MinDisk, "min_ram": src.MinRAM,
		"image_type": "snapshot", "instance_uuid": v.ID, "base_image_ref": v.ImageID} {
		img[k] = val
	}
	var created glanceImageInfo
	if err := s.glanceCall(r.Context(), token, http.MethodPost, "/v2/images", "application/json", img, &created); err != nil {
		fault(w, http.StatusBadRequest, "badRequest", "create snapshot image: "+err.Error())
		return
	}
	payload := fmt.Sprintf("packuilon nova simulator snapshot of server %s (image %s)\n", v.ID, v.ImageID)
	if err := s.glanceCall(r.Context(), token, http.MethodPut, "/v2/images/"+created.ID+"/file", "application/octet-stream", payload, nil); err != nil {
		fault(w, http.StatusServiceUnavailable, "computeFault", "upload snapshot: "+err.Error())
		return
	}
	s.mu.Lock()
	if o, ok := s.snapOut[v.ImageID]; ok {
		s.outcomes[created.ID] = o
	}
	s.mu.Unlock()
	w.Header().Set("Location", s.URL+"/images/"+created.ID)
	reply(w, http.StatusAccepted, map[string]any{"image_id": created.ID})
}

// glanceImageInfo is what the simulator reads of a Glance image.
type glanceImageInfo struct {
	ID         string `json:"id"`
	Status     string `json:"status"`
	DiskFormat string `json:"disk_format"`
	MinDisk    int    `json:"min_disk"`
	MinRAM     int    `json:"min_ram"`
}

// glanceImage fetches an image as the caller sees it; code is the HTTP status (404: not found).
func (s *NovaSim) glanceImage(ctx context.Context, token, id string) (glanceImageInfo, int, error) {
	var img glanceImageInfo
	err := s.glanceCall(ctx, token, http.MethodGet, "/v2/images/"+id, "", nil, &img)
	var he httpError
	if errors.As(err, &he) {
		return img, he.code, err
	}
	if img.DiskFormat == "" {
		img.DiskFormat = "raw"
	}
	return img, http.StatusOK, err
}

type httpError struct {
	code int
	msg  string
}

func (e httpError) Error() string { return fmt.Sprintf("glance: %d %s", e.code, e.msg) }

// glanceCall makes one Glance request with the caller's token. body is JSON-encoded unless it
// is a string (an upload).
func (s *NovaSim) glanceCall(ctx context.Context, token, method, path, contentType string, body, out any) error {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, s.glanceURL+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("X-Auth-Token", token)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return httpError{resp.StatusCode, strings.Join(strings.Fields(string(msg)), " ")}
	}
	if out != nil {
		return json.NewDecoder(resp.Body).Decode(out)
	}
	return nil
}
