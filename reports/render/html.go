package render

import (
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"fmt"
	"io"
	"strings"
)

//go:embed assets/index.html.tmpl
var indexTmpl string

// The page is the template with {{csp}} and {{data}} filled in: it is
// static but for the report's JSON, which goes in a data script, compact,
// with <, > and & escaped, so no text of the report can end that script
// or become markup. Its policy allows nothing but its own inline script
// and style, by hash.
var pageHead, pageTail = page()

func page() (string, string) {
	policy := "default-src 'none'; script-src " + hashOf("<script>", "</script>") + "; style-src " + hashOf("<style>", "</style>") +
		"; base-uri 'none'; form-action 'none'"
	head, tail, ok := strings.Cut(strings.Replace(indexTmpl, "{{csp}}", policy, 1), "{{data}}")
	if !ok {
		panic("render: the page template has no {{data}}")
	}
	return head, tail
}

// hashOf is the CSP source of the one element of the template between
// open and close.
func hashOf(open, close string) string {
	_, rest, ok1 := strings.Cut(indexTmpl, open)
	body, _, ok2 := strings.Cut(rest, close)
	if !ok1 || !ok2 || strings.Count(indexTmpl, open) != 1 {
		panic(fmt.Sprintf("render: the page template must have one %s element", open))
	}
	sum := sha256.Sum256([]byte(body))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

// WriteHTML writes one self-contained page (no network, no CDN): the matrix
// of implementations × cases coloured by outcome, filters by area, level,
// outcome and implementation, and each cell's transcript on click. The
// report travels inside the page as JSON.
func WriteHTML(w io.Writer, r *Report) error {
	if _, err := io.WriteString(w, pageHead); err != nil {
		return err
	}
	if err := writeReportJSON(w, r, false); err != nil {
		return err
	}
	_, err := io.WriteString(w, pageTail)
	return err
}
