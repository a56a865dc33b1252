package render

import (
	_ "embed"
	"html/template"
	"io"
)

//go:embed assets/index.html.tmpl
var indexTmpl string

var page = template.Must(template.New("index").Parse(indexTmpl))

// WriteHTML writes one self-contained page (no network, no CDN): the matrix
// of implementations × cases coloured by outcome, filters by area, level,
// outcome and implementation, and each cell's transcript on click. The
// report travels inside the page as JSON.
func WriteHTML(w io.Writer, r *Report) error { return page.Execute(w, r) }
