package render_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/netconform/netconform/harness"
	"github.com/netconform/netconform/harness/result"
	"github.com/netconform/netconform/reports/render"
)

// The fuzz targets: whatever a report says, its renderings hold — valid
// JSON, valid XML, Markdown without markup from its text, a page whose
// data cannot leave its script — and reading go test -json output never
// panics. Seeds are in testdata/fuzz, from the probes of issue #14.

// fuzzReport makes a report whose texts are the fuzzer's.
func fuzzReport(name, desc, url, caseID, level, reason, evidence, link string) *render.Report {
	known := harness.Known{Case: caseID, Reason: reason, Link: link}
	impls := []render.ImplInfo{{Name: name, Description: desc, URL: url, Topology: "pair", CloseMode: "full", Caps: []string{level},
		Evidence: evidence, Known: []harness.Known{known}, Leaks: []string{reason}}}
	res := result.Result{Impl: name, Case: caseID, Role: harness.RoleClient, Area: strings.SplitN(caseID, ".", 2)[0], Level: result.Level(level),
		Spec: desc, Reason: reason, Known: &known, Evidence: evidence, Duration: time.Millisecond,
		Findings:   []result.Finding{{Call: caseID, Got: reason, Want: level}},
		Transcript: []result.Obs{{Step: 1, Call: reason, Note: evidence, Verdict: "fail"}}}
	var results []result.Result
	for _, o := range []result.Outcome{result.KnownFailure, result.Error, result.Fail, result.Info} {
		r := res
		r.Outcome = o
		r.Role = harness.Role(map[bool]string{true: "client", false: "server"}[len(results)%2 == 0])
		r.Case = caseID + strings.Repeat("x", len(results)/2)
		results = append(results, r)
	}
	return render.New(render.Header{Tool: name, ToolVersion: desc, Kernel: level, Options: []string{reason, evidence}}, impls, results)
}

func addStrings(f *testing.F) {
	f.Add("alpha", "a reference-peer implementation", "https://example.com", "closed.read.after-close", "contract", "Read after Close returns io.EOF", "panic: boom", "https://example.com/issues/1")
	f.Add("evil<b>|x", "<script>alert(1)</script> [x](javascript:alert(2))", "javascript:alert(3)", "closed.read.after|close", "contract|x",
		"<img src=x onerror=alert(6)>\x1b[2J\x07", "stderr:\n```\n</details><script>alert(4)</script>\n````\n\x1b[31mred\x1b[0m\x00nul", "javascript:document.title='PWNED'")
	f.Add("x", "\xff\xfe", "http://[::1", "a.b.c", "", "~~~\n# h\n", "```", "https://x.y/\"onmouseover=\"alert(1)")
}

func FuzzMarkdown(f *testing.F) {
	addStrings(f)
	f.Fuzz(func(t *testing.T, name, desc, url, caseID, level, reason, evidence, link string) {
		var b bytes.Buffer
		if err := render.WriteMarkdown(&b, fuzzReport(name, desc, url, caseID, level, reason, evidence, link)); err != nil {
			t.Fatal(err)
		}
		if err := checkMarkdown(b.String()); err != nil {
			t.Fatalf("%v\n%s", err, b.String())
		}
	})
}

func FuzzHTML(f *testing.F) {
	addStrings(f)
	f.Fuzz(func(t *testing.T, name, desc, url, caseID, level, reason, evidence, link string) {
		var b bytes.Buffer
		if err := render.WriteHTML(&b, fuzzReport(name, desc, url, caseID, level, reason, evidence, link)); err != nil {
			t.Fatal(err)
		}
		checkPage(t, b.String())
		if l := render.SafeLink(link); l != "" && !strings.HasPrefix(l, "http://") && !strings.HasPrefix(l, "https://") {
			t.Fatalf("SafeLink(%q) = %q", link, l)
		}
	})
}

// checkPage checks that the page is the template around the data, and
// that the data is JSON in which no character can end its script.
func checkPage(t *testing.T, page string) {
	t.Helper()
	if !strings.HasPrefix(page, render.PageHead) || !strings.HasSuffix(page, render.PageTail) || len(page) < len(render.PageHead)+len(render.PageTail) {
		t.Fatalf("the page is not the template around its data")
	}
	data := page[len(render.PageHead) : len(page)-len(render.PageTail)]
	if strings.ContainsAny(data, "<>") {
		t.Fatalf("the data holds < or >: %q", data)
	}
	var r render.Report
	if err := json.Unmarshal([]byte(data), &r); err != nil {
		t.Fatalf("the data is not a report: %v", err)
	}
}

func FuzzJUnit(f *testing.F) {
	addStrings(f)
	f.Fuzz(func(t *testing.T, name, desc, url, caseID, level, reason, evidence, link string) {
		var b bytes.Buffer
		if err := render.WriteJUnit(&b, fuzzReport(name, desc, url, caseID, level, reason, evidence, link)); err != nil {
			t.Fatal(err)
		}
		checkXML(t, b.Bytes())
	})
}

func checkXML(t *testing.T, b []byte) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(b))
	for {
		_, err := d.Token()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatalf("junit.xml is not XML: %v\n%s", err, b)
		}
	}
}

// FuzzReadTestJSON reads any input as go test -json output; what it
// accepts renders in every form, and each form holds.
func FuzzReadTestJSON(f *testing.F) {
	f.Add([]byte(stream(
		`{"Action":"start","Package":"example.com/x"}`,
		implEvent("TestX/impl", "impl", "eof.read.after-peer-close/client", "eof.read.after-peer-close/server"),
		attr("TestX/impl", result.KeyCases, `[{"id":"eof.read.after-peer-close","area":"eof","level":"contract","spec":"io.Reader: spec"}]`),
		resultEvent("TestX/impl/eof/client", "impl", "eof.read.after-peer-close", harness.RoleClient, result.Pass),
		event("TestX/impl", "panic: boom\n"),
		`{"Action":"fail","Package":"example.com/x","Test":"TestX"}`,
		`{"Action":"fail","Package":"example.com/x"}`,
	)))
	f.Add([]byte("\x1b[32m" + resultEvent("TestX/impl/eof/client", "impl", "a|b.c<d>.e", harness.RoleServer, "FAILED-hard") + "\x1b[0m\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := render.ReadTestJSON(bytes.NewReader(data), "fuzz")
		if err != nil {
			return
		}
		c.Complete("the output ends before this case's result")
		rep := render.New(render.Header{}, c.Impls, append(c.Results, c.PackageRows()...))
		rep.Normalize()
		for _, out := range render.Files {
			var b bytes.Buffer
			if err := out.Write(&b, rep); err != nil {
				t.Fatalf("%s: %v", out.Name, err)
			}
			switch out.Name {
			case "report.json":
				if !json.Valid(b.Bytes()) {
					t.Fatalf("report.json is not JSON")
				}
			case "README.md":
				if err := checkMarkdown(b.String()); err != nil {
					t.Fatalf("README.md: %v", err)
				}
			case "index.html":
				checkPage(t, b.String())
			case "junit.xml":
				checkXML(t, b.Bytes())
			}
		}
	})
}
