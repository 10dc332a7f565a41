package templates

import (
	"encoding/json"
	"fmt"

	"github.com/packuilon/packuilon/internal/event"
)

// Rendered is one template made ready for packer.
type Rendered struct {
	// Data is the rendered template (JSON) or the variable file (HCL2), for the build dir.
	Data []byte
	// ImageName is the image name the template gives (builders[0].image_name), or the legacy
	// $NAME when the template names no image.
	ImageName string
}

// Render renders one template of a plan for req. The request must be validated: its names are
// then safe, and the encoding makes the document safe whatever they hold.
func Render(t *Template, p Plan, req event.BuildRequest) (Rendered, error) {
	name := p.ImageName
	if name == "" { // a plan not made by Set.Plan
		name = req.DisplayName()
	}
	v := Values{Name: name, Image: p.SourceImageID, Metadata: req.Metadata()}
	if t.Kind == KindHCL {
		// HCL2 templates are not edited: the values are Packer variables. Packer warns about
		// (and ignores) variables a template does not declare.
		data, err := json.MarshalIndent(map[string]any{
			"name":      v.Name,
			"image":     v.Image,
			"metadata":  v.Metadata,
			"image_key": req.ImageKey,
		}, "", "  ")
		if err != nil {
			return Rendered{}, fmt.Errorf("render %s: %w", t.Path, err)
		}
		return Rendered{Data: append(data, '\n'), ImageName: v.Name}, nil
	}
	doc := substitute(t.Content, v)
	name, err := Validate(doc)
	if err != nil {
		return Rendered{}, fmt.Errorf("render %s for %s: %w", t.Path, req.ImageKey, err)
	}
	if name == "" {
		name = v.Name
	}
	return Rendered{Data: doc, ImageName: name}, nil
}
