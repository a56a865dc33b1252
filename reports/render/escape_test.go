package render_test

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/netconform/netconform/harness"
	"github.com/netconform/netconform/harness/result"
	"github.com/netconform/netconform/reports/render"
)

// hostile is a report whose every string comes from somewhere a report
// cannot trust (a driver's hello, an adapter's Known list, a child's
// stderr, a -from stream): links with other schemes, HTML, fences, pipes,
// control characters.
func hostile() *render.Report {
	known := harness.Known{Case: "closed.read.after|close", Reason: "<img src=x onerror=alert(1)> and `code`", Link: "javascript:document.title='PWNED'"}
	impls := []render.ImplInfo{{
		Name: "evil<b>|x", Description: "<script>alert(1)</script> [click](javascript:alert(2)) **bold**", URL: "javascript:alert(3)",
		Topology: "pair", CloseMode: "full", Caps: []string{"stream|x"},
		Evidence: "stderr:\n```\n</details><script>alert(4)</script>\n````\n\x1b[31mred\x1b[0m\x00nul",
		Known:    []harness.Known{known},
		Leaks:    []string{"<iframe src=javascript:alert(5)>"},
	}}
	results := []result.Result{{
		Impl: "evil<b>|x", Case: "closed.read.after|close", Role: harness.RoleClient, Area: "closed", Level: "contract|x",
		Spec: "spec <b>bold</b> | pipe", Outcome: result.KnownFailure, Reason: "<img src=x onerror=alert(6)>\x1b[2J\x07", Known: &known,
		Findings: []result.Finding{{Call: "iut.Read(8) `x`", Got: "0, <i>eof</i> |", Want: "0, closed\x00"}},
		Evidence: "```\n<script>alert(7)</script>\n```",
		Duration: time.Millisecond,
	}}
	h := render.Header{Tool: "netconform", ToolVersion: "v<b>1</b>", Kernel: "6.1 | <i>x</i>\x1b[1m", Options: []string{"-run=a|b", "```"}}
	return render.New(h, impls, results)
}

func markdown(t *testing.T, r *render.Report) string {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, render.WriteMarkdown(&b, r))
	return b.String()
}

// TestMarkdownEscapesEverythingItQuotes: text from the report never
// becomes markup in README.md (probe: descriptions and reasons went in as
// raw HTML, stderr closed the evidence fence, a pipe broke the table, ESC
// and NUL reached the file).
func TestMarkdownEscapesEverythingItQuotes(t *testing.T) {
	md := markdown(t, hostile())
	require.NoError(t, checkMarkdown(md))
	for _, bad := range []string{"\x1b", "\x00", "\x07", "[31m"} {
		require.NotContains(t, md, bad)
	}
	for _, bad := range []string{"<script", "<img", "<iframe", "<b>", "<i>", "<javascript:"} {
		require.NotContains(t, outsideFences(md), bad)
	}
	require.Contains(t, md, "&lt;script&gt;alert(1)&lt;/script&gt;", "HTML is shown as text")
	require.Contains(t, md, "</details><script>alert(4)</script>", "inside a fence long enough, the evidence is verbatim")
}

// TestMarkdownLinksOnlyHTTP: only http and https links are links
// (probe: a javascript: URL became an autolink).
func TestMarkdownLinksOnlyHTTP(t *testing.T) {
	md := markdown(t, hostile())
	require.NotContains(t, md, "<javascript:")
	require.Contains(t, md, "javascript:alert(3)", "shown as text")
	r := hostile()
	r.Impls[0].URL = "https://example.com/x"
	require.Contains(t, markdown(t, r), "<https://example.com/x>")
}

// TestMarkdownTablesHold: a pipe in a case ID or a level does not add a
// column (probe: -from with such results broke the table).
func TestMarkdownTablesHold(t *testing.T) {
	md := markdown(t, hostile())
	for _, line := range strings.Split(md, "\n") {
		if strings.Contains(line, "closed.read.after") && strings.HasPrefix(line, "|") {
			cells := splitRow(line)
			require.Contains(t, []int{3, 6}, len(cells), "row %q", line)
		}
	}
}

// withoutCode drops the contents of line's code spans (a run of
// backticks up to the next run of as many), where nothing is markup.
func withoutCode(line string) string {
	run := func(i int) int {
		n := 0
		for i+n < len(line) && line[i+n] == '`' {
			n++
		}
		return n
	}
	var b strings.Builder
	for i := 0; i < len(line); {
		switch {
		case line[i] == '\\' && i+1 < len(line):
			b.WriteString(line[i : i+2])
			i += 2
		case line[i] == '`':
			n := run(i)
			end := -1
			for j := i + n; j < len(line); {
				if m := run(j); m == n {
					end = j
					break
				} else if m > 0 {
					j += m
				} else {
					j++
				}
			}
			if end < 0 {
				b.WriteString(line[i : i+n])
				i += n
				continue
			}
			b.WriteString("code")
			i = end + n
		default:
			b.WriteByte(line[i])
			i++
		}
	}
	return b.String()
}

// splitRow splits a GFM table row on its unescaped pipes.
func splitRow(line string) []string {
	var cells []string
	var cur strings.Builder
	for i := 0; i < len(line); i++ {
		switch {
		case line[i] == '\\' && i+1 < len(line):
			cur.WriteByte(line[i])
			cur.WriteByte(line[i+1])
			i++
		case line[i] == '|':
			cells = append(cells, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(line[i])
		}
	}
	return cells[1:]
}

var cspRE = regexp.MustCompile(`<meta http-equiv="Content-Security-Policy" content="([^"]+)">`)

// TestHTMLHasAStrictPolicy: the page declares a Content-Security-Policy
// that allows nothing but its own inline script and style (probe: no
// policy at all).
func TestHTMLHasAStrictPolicy(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, render.WriteHTML(&b, hostile()))
	m := cspRE.FindStringSubmatch(b.String())
	require.NotNil(t, m, "no Content-Security-Policy meta")
	policy := m[1]
	require.Contains(t, policy, "default-src 'none'")
	require.Regexp(t, `script-src 'sha256-[A-Za-z0-9+/=]+'`, policy)
	require.Regexp(t, `style-src 'sha256-[A-Za-z0-9+/=]+'`, policy)
	require.NotContains(t, policy, "unsafe")
	require.Less(t, strings.Index(b.String(), m[0]), strings.Index(b.String(), "<style>"), "the policy comes before anything it governs")
}

// TestHTMLDataCannotCloseItsScript: no string of the report can end the
// data script element.
func TestHTMLDataCannotCloseItsScript(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, render.WriteHTML(&b, hostile()))
	page := b.String()
	require.Equal(t, 2, strings.Count(strings.ToLower(page), "</script"), "the data script and the page script end once each")
	require.NotContains(t, page, "<img")
	require.NotContains(t, page, "<iframe")
}

// outsideFences drops md's fenced code blocks.
func outsideFences(md string) string {
	var b strings.Builder
	fence := ""
	for _, line := range strings.Split(md, "\n") {
		m := fenceRE.FindString(line)
		switch {
		case fence == "" && m != "":
			fence = m
		case fence != "" && len(m) >= len(fence) && strings.TrimSpace(line[len(m):]) == "":
			fence = ""
		case fence == "":
			b.WriteString(line + "\n")
		}
	}
	return b.String()
}

var (
	fenceRE = regexp.MustCompile("^(`{3,})")
	linkRE  = regexp.MustCompile(`\]\(([^)]*)\)`)
	ownTags = regexp.MustCompile(`^(</?details>|</?summary>|<https?://[^\s<>]+>)`)
)

// checkMarkdown checks what README.md must keep whatever the report says:
// no control characters; every fence closed; outside fences, no HTML but
// the page's own tags and http(s) autolinks, no link but to an anchor, a
// sibling file or http(s); tables whose rows have the header's number of
// cells.
func checkMarkdown(md string) error {
	fence := ""
	cells := 0
	for i, line := range strings.Split(md, "\n") {
		for _, r := range line {
			if r < 0x20 && r != '\t' || r == 0x7f || r >= 0x80 && r < 0xa0 {
				return fmt.Errorf("line %d: control character %U: %q", i+1, r, line)
			}
		}
		if fence != "" {
			if m := fenceRE.FindString(line); len(m) >= len(fence) && strings.TrimSpace(line[len(m):]) == "" {
				fence = ""
			}
			continue
		}
		if m := fenceRE.FindString(line); m != "" {
			fence = m
			continue
		}
		text := withoutCode(line)
		for j := 0; j < len(text); j++ {
			if text[j] == '<' && (j == 0 || text[j-1] != '\\') && !ownTags.MatchString(text[j:]) {
				return fmt.Errorf("line %d: markup: %q", i+1, line)
			}
		}
		for _, m := range linkRE.FindAllStringSubmatchIndex(text, -1) {
			if m[0] > 0 && text[m[0]-1] == '\\' {
				continue
			}
			url := text[m[2]:m[3]]
			if !strings.HasPrefix(url, "#") && !strings.HasPrefix(url, "https://") && !strings.HasPrefix(url, "http://") &&
				!strings.HasSuffix(url, ".html") && !strings.HasSuffix(url, ".json") && !strings.HasSuffix(url, ".xml") {
				return fmt.Errorf("line %d: a link to %q: %q", i+1, url, line)
			}
		}
		if strings.HasPrefix(line, "|") {
			n := len(splitRow(line))
			if cells == 0 {
				cells = n
			} else if n != cells {
				return fmt.Errorf("line %d: %d cells in a table of %d: %q", i+1, n, cells, line)
			}
		} else {
			cells = 0
		}
	}
	if fence != "" {
		return fmt.Errorf("a fence %q is never closed", fence)
	}
	return nil
}
