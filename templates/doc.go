// Package templates turns a build request into Packer templates: the template map
// (PACKER_TEMPLATE_MAP: image key → template files, DEFAULT as fallback), the source-image map
// (IMAGES_CONFIG, flat or nested), rendering and validation.
//
// Legacy JSON templates keep their three placeholders, $NAME, $IMAGE and $METADATA, but the
// values are JSON-encoded where they land: inside a string literal the escaped text is inserted
// ("image_name": "$NAME AQ"), outside one a quoted string ($NAME, $IMAGE) or object members
// ({ $METADATA }). A quote or backslash in a value cannot break the document. HCL2 templates
// (*.pkr.hcl) are never edited: the values go into a generated variable file.
//
//	set, err := templates.Load(templates.Sources{Map: mapPath, Images: imagesPath})
//	plan, err := set.Plan(req)
//	for _, t := range plan.Templates {
//		out, err := set.Render(t, plan, req)
//	}
package templates
