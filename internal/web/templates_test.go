package web

import (
	"bytes"
	"strings"
	"testing"
)

// TestTemplatesParse: the templates, parsed lazily since issue 12, parse and define every page
// the handlers render; the error page renders (TestReadOnlyPage renders the others).
func TestTemplatesParse(t *testing.T) {
	tm, err := parsePages()
	if err != nil {
		t.Fatalf("templates: %v", err)
	}
	for _, name := range []string{"index.html", "build.html", "error.html", "head", "foot", "state", "images", "actions"} {
		if tm.Lookup(name) == nil {
			t.Errorf("template %q is not defined", name)
		}
	}
	var out bytes.Buffer
	if err := pages().ExecuteTemplate(&out, "error.html", errorData{409, "<conflict>", ""}); err != nil {
		t.Fatalf("error page: %v", err)
	}
	if !strings.Contains(out.String(), "&lt;conflict&gt;") {
		t.Errorf("the error page does not show the escaped error:\n%s", out.String())
	}
}
