package web

import (
	"encoding/json"
	"sort"
	"time"

	"github.com/packuilon/packuilon/internal/state"
)

// image is what the page shows of one of a build's images (the builder's Artifact, read from
// the record by field name: web does not import the builder).
type image struct {
	Key         string
	Name        string
	ImageID     string
	Warehoused  string
	TestVerdict string
	Promoted    bool
	Rejected    bool
}

func imagesOf(r state.Record) []image {
	var out []image
	if len(r.Artifacts) > 0 {
		json.Unmarshal(r.Artifacts, &out)
	}
	return out
}

// buildRow is one build in a list.
type buildRow struct {
	state.Record
	Images   []image
	Duration string
}

func row(r state.Record) buildRow {
	b := buildRow{Record: r, Images: imagesOf(r)}
	if n := len(r.Timings); n > 0 {
		end := r.Timings[n-1].End
		if end.IsZero() {
			end = time.Now()
		}
		b.Duration = end.Sub(r.Timings[0].Start).Round(time.Second).String()
	}
	return b
}

// keyView is one image key on the overview: its images as the builds recorded them.
type keyView struct {
	Key string
	// Current are the images of the newest build that promoted (or built) them.
	Current []image
	// Warehoused are the images promotions replaced, newest first.
	Warehoused []string
	// Candidates are images of builds not ended (testing, awaiting approval).
	Candidates []image
	Last       buildRow
}

// keysOf groups builds (newest first) by image key.
func keysOf(recs []state.Record) []keyView {
	byKey := map[string]*keyView{}
	var order []string
	for _, r := range recs {
		k, ok := byKey[r.ImageKey]
		if !ok {
			k = &keyView{Key: r.ImageKey, Last: row(r)}
			byKey[r.ImageKey] = k
			order = append(order, r.ImageKey)
		}
		ims := imagesOf(r)
		switch {
		case r.State == state.Succeeded:
			if k.Current == nil {
				k.Current = ims
				if k.Current == nil {
					k.Current = []image{}
				}
			}
			for _, im := range ims {
				if im.Warehoused != "" && len(k.Warehoused) < 5 {
					k.Warehoused = append(k.Warehoused, im.Warehoused)
				}
			}
		case !r.State.Terminal():
			for _, im := range ims {
				if im.ImageID != "" && !im.Promoted {
					k.Candidates = append(k.Candidates, im)
				}
			}
		}
	}
	sort.Strings(order)
	out := make([]keyView, 0, len(order))
	for _, k := range order {
		out = append(out, *byKey[k])
	}
	return out
}
