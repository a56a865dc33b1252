package render_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/netconform/netconform/harness"
	"github.com/netconform/netconform/harness/result"
	"github.com/netconform/netconform/reports/render"
)

// The HTML report is tested in a real headless Chromium (Debian's chromium
// package; .ci/run installs it and sets NETCONFORM_REQUIRE_BROWSER=1, so CI
// fails rather than skips without it). The test adds two scripts to a copy
// of the page: an error trap in <head>, before the page's own script runs,
// and a driver at the end of <body> that uses the page as a person would —
// it changes filters and clicks a cell — and writes what it saw into the
// DOM, which --dump-dom returns.

const errorTrap = `<script>
window.__errors = [];
window.addEventListener("error", (e) => window.__errors.push("uncaught: " + e.message));
document.addEventListener("securitypolicyviolation", (e) => window.__errors.push("content security policy: " + e.violatedDirective + " blocked " + (e.blockedURI || "inline")));
const __ce = console.error; console.error = (...a) => { window.__errors.push("console.error: " + a.join(" ")); __ce(...a); };
</script>`

const driver = `<script>
(function () {
  const out = {errors: window.__errors, ready: document.body.dataset.ready};
  const rows = () => [...document.querySelectorAll("tr[data-case]")].filter((r) => r.style.display !== "none").map((r) => r.dataset.case);
  const set = (id, v) => { const e = document.getElementById(id); e.value = v; e.dispatchEvent(new Event(e.tagName === "INPUT" ? "input" : "change")); };
  out.cells = document.querySelectorAll("td.cell").length;
  out.perfRows = [...document.querySelectorAll("#perf tr")].map((r) => r.textContent);
  out.dots = document.querySelectorAll("td.cell .dot").length;
  out.causes = document.getElementById("causes").hidden ? [] : [...document.querySelectorAll("#causes-list li")].map((l) => l.textContent);
  out.rows = rows();
  set("f-area", "deadline"); out.areaDeadline = rows(); set("f-area", "");
  set("f-outcome", "fail"); out.outcomeFail = rows(); set("f-outcome", "");
  set("f-level", "contract"); out.levelContract = rows(); set("f-level", "");
  set("f-text", "wire"); out.textWire = rows(); set("f-text", "");
  const cb = document.querySelector('#impls input[data-impl="beta"]'); cb.checked = false; cb.dispatchEvent(new Event("change"));
  out.hiddenColumns = [...document.querySelectorAll('td.cell[data-impl="beta"]')].filter((c) => c.style.display === "none").length;
  cb.checked = true; cb.dispatchEvent(new Event("change"));
  document.querySelector('tr[data-case="closed.read.after-close-is-errclosed"] td.cell[data-impl="alpha"]').click();
  const p = document.getElementById("panel");
  out.panelOpen = p.className;
  out.panelText = p.innerText;
  out.roles = [...p.querySelectorAll("section")].map((s) => s.dataset.role);
  document.querySelector('tr[data-case="wire.closewrite.sends-fin"] td.cell[data-impl="alpha"]').click();
  out.wireText = (p.querySelector("pre.wire") || {}).textContent || "";
  out.ladderSegs = p.querySelectorAll("svg.ladder line.seg").length;
  out.ladderSteps = p.querySelectorAll("svg.ladder circle.step").length;
  out.sumBars = document.querySelectorAll("#sum svg.sumbar").length;
  document.querySelector('tr[data-case="deadline.read.future-fires"] td.cell[data-impl="beta"]').click();
  out.lateDots = p.querySelectorAll("svg.lateness circle.late").length;
  out.hash = location.hash;
  out.permalink = (p.querySelector("a.permalink") || {href: ""}).getAttribute("href");
  out.errors = window.__errors;
  const pre = document.createElement("pre"); pre.id = "netconform-selftest"; pre.textContent = JSON.stringify(out);
  document.body.append(pre);
})();
</script>`

func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("NETCONFORM_REQUIRE_BROWSER") != "" {
		t.Fatal("NETCONFORM_REQUIRE_BROWSER is set but no chromium is installed (apt-get install chromium)")
	}
	t.Skip("no chromium (apt-get install chromium); CI installs it and sets NETCONFORM_REQUIRE_BROWSER=1")
	return ""
}

// runChromium loads page headless with extra flags and returns stdout and
// stderr.
func runChromium(t *testing.T, bin, page string, extra ...string) (string, string) {
	t.Helper()
	args := append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + t.TempDir(), "--enable-logging=stderr", "--v=0"}, extra...)
	args = append(args, "file://"+page)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	require.NoError(t, cmd.Run(), "chromium: %s", tailOf(errb.String()))
	return out.String(), errb.String()
}

func tailOf(s string) string {
	if len(s) > 2000 {
		return s[len(s)-2000:]
	}
	return s
}

// pageWith writes rep as HTML with the error trap and script added, and
// the hashes of those two scripts added to the page's script-src, so the
// page's policy governs everything else as it is.
func pageWith(t *testing.T, rep *render.Report, script string) string {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, render.WriteHTML(&b, rep))
	page := strings.Replace(b.String(), "<style>", errorTrap+"\n<style>", 1)
	page = strings.Replace(page, "</body>", script+"\n</body>", 1)
	page = strings.Replace(page, "script-src ", "script-src "+scriptHash(errorTrap)+" "+scriptHash(script)+" ", 1)
	path := filepath.Join(t.TempDir(), "index.html")
	require.NoError(t, os.WriteFile(path, []byte(page), 0o644))
	return path
}

// scriptHash is the CSP source of the inline script in snippet.
func scriptHash(snippet string) string {
	body := strings.TrimSuffix(strings.TrimPrefix(snippet, "<script>"), "</script>")
	sum := sha256.Sum256([]byte(body))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

var selftestRE = regexp.MustCompile(`(?s)<pre id="netconform-selftest">(.*?)</pre>`)

// consoleErrors finds the page's console errors in Chromium's log.
func consoleErrors(stderr string) []string {
	var out []string
	for _, l := range strings.Split(stderr, "\n") {
		if strings.Contains(l, "CONSOLE") && (strings.Contains(l, "Uncaught") || strings.Contains(l, ":ERROR:")) {
			out = append(out, l)
		}
	}
	return out
}

func TestHTMLInBrowser(t *testing.T) {
	bin := chromium(t)
	rep := fixture()
	page := pageWith(t, rep, driver)
	dom, stderr := runChromium(t, bin, page, "--virtual-time-budget=5000", "--dump-dom")
	m := selftestRE.FindStringSubmatch(dom)
	require.NotNil(t, m, "the driver script did not run; chromium said:\n%s", tailOf(stderr))
	var got struct {
		Errors        []string
		Ready         string
		Cells, Dots   int
		PerfRows      []string
		Causes        []string
		Rows          []string
		AreaDeadline  []string
		OutcomeFail   []string
		LevelContract []string
		TextWire      []string
		HiddenColumns int
		PanelOpen     string
		PanelText     string
		Roles         []string
		WireText      string
		LadderSegs    int
		LadderSteps   int
		SumBars       int
		LateDots      int
		Hash          string
		Permalink     string
	}
	require.NoError(t, json.Unmarshal([]byte(html.UnescapeString(m[1])), &got))
	require.Empty(t, got.Errors, "the page reported errors")
	require.Empty(t, consoleErrors(stderr), "chromium logged console errors")
	require.Equal(t, "1", got.Ready)
	require.Equal(t, len(rep.Impls)*len(rep.Cases), got.Cells, "one cell per implementation × case")
	require.Equal(t, len(rep.Results), got.Dots, "one mark per result")
	require.Len(t, got.PerfRows, 3, "the perf table: a header, why the ratios are missing (no std-tcp in the fixture), and the fixture's one row")
	require.Contains(t, got.PerfRows[1], "std-tcp did not run")
	require.Contains(t, got.PerfRows[2], "23.0 µs")
	require.Contains(t, got.PerfRows[2], "4.20% (100)", "the spread of the round trips: CV and rounds")
	require.Equal(t, len(rep.Causes), len(got.Causes), "the root causes are listed above the matrix")
	require.Contains(t, got.Causes[0], rep.CauseLine(rep.Causes[0]), "each root cause in one line, as the console prints it")
	require.Len(t, got.Rows, len(rep.Cases))
	require.Equal(t, []string{"deadline.read.future-fires"}, got.AreaDeadline, "the area filter hides the other rows")
	require.Equal(t, []string{"closed.read.after-close-is-errclosed"}, got.OutcomeFail, "the outcome filter keeps rows with that outcome")
	require.Equal(t, []string{"deadline.read.future-fires", "udp.multiplex.replies-reach-sender", "wire.closewrite.sends-fin"}, got.LevelContract)
	require.Equal(t, []string{"wire.closewrite.sends-fin"}, got.TextWire)
	require.Equal(t, len(rep.Cases), got.HiddenColumns, "unticking an implementation hides its column")
	require.Equal(t, "open", got.PanelOpen, "clicking a cell opens its transcript")
	require.Equal(t, []string{"client", "server"}, got.Roles)
	for _, want := range []string{"iut.Read(8) after iut.Close() = 0, eof (EOF)", "transcript", "closed (read tcp4", "role server", "fail"} {
		require.Contains(t, got.PanelText, want)
	}
	require.Contains(t, got.WireText, "client(iut) > server(ref): [F.]")

	// The pictures: as many marks as the data has.
	var segs, steps, late int
	pairs := map[string]bool{}
	for _, r := range rep.Results {
		pairs[r.Impl+"/"+r.Area] = true
		if r.Impl == "alpha" && r.Case == "wire.closewrite.sends-fin" {
			segs += len(r.Wire)
			steps += len(r.Transcript)
		}
		if r.Case == "deadline.read.future-fires" {
			for _, o := range r.Transcript {
				if o.Late != nil {
					late++
				}
			}
		}
	}
	require.Equal(t, segs, got.LadderSegs, "the ladder: an arrow per segment")
	require.Equal(t, steps, got.LadderSteps, "the ladder: a mark per script step")
	require.Equal(t, len(pairs), got.SumBars, "the summary: a bar per implementation and area")
	require.Equal(t, late, got.LateDots, "the lateness plot: a dot per call expected at its deadline, every implementation")
	require.Equal(t, "#beta/deadline.read.future-fires", got.Hash, "the URL names the open cell")
	require.Equal(t, got.Hash, got.Permalink)
}

// TestHTMLCellLink: a cell's link (#impl/case) opens that cell when the
// page loads, so CI can link to a finding.
func TestHTMLCellLink(t *testing.T) {
	bin := chromium(t)
	probe := `<script>
(function () {
  const p = document.getElementById("panel");
  const pre = document.createElement("pre"); pre.id = "netconform-selftest";
  pre.textContent = JSON.stringify({open: p.className, title: (p.querySelector("h2") || {}).textContent || "", roles: [...p.querySelectorAll("section")].map((s) => s.dataset.role), errors: window.__errors});
  document.body.append(pre);
})();
</script>`
	page := pageWith(t, fixture(), probe)
	dom, stderr := runChromium(t, bin, page+"#alpha/closed.read.after-close-is-errclosed", "--virtual-time-budget=3000", "--dump-dom")
	m := selftestRE.FindStringSubmatch(dom)
	require.NotNil(t, m, tailOf(stderr))
	var got struct {
		Open, Title string
		Roles       []string
		Errors      []string
	}
	require.NoError(t, json.Unmarshal([]byte(html.UnescapeString(m[1])), &got))
	require.Empty(t, got.Errors)
	require.Equal(t, "open", got.Open, "the link opened the cell")
	require.Equal(t, "closed.read.after-close-is-errclosed", got.Title)
	require.Equal(t, []string{"client", "server"}, got.Roles)
}

// bigReport is 20 implementations × 200 cases × 2 roles.
func bigReport() *render.Report {
	outcomes := []result.Outcome{result.Pass, result.Pass, result.Pass, result.Fail, result.KnownFailure, result.Unsupported}
	var impls []render.ImplInfo
	var results []result.Result
	for i := range 20 {
		name := fmt.Sprintf("impl-%02d", i)
		impls = append(impls, render.ImplInfo{Name: name, Topology: "pair", CloseMode: "full"})
		for c := range 200 {
			for _, role := range []harness.Role{harness.RoleClient, harness.RoleServer} {
				results = append(results, result.Result{
					Impl: name, Case: fmt.Sprintf("area%d.case.c%03d", c%8, c), Role: role, Area: fmt.Sprintf("area%d", c%8),
					Level: result.Contract, Spec: "net.Conn: a synthetic case", Outcome: outcomes[(i+c)%len(outcomes)],
					Transcript: []result.Obs{{Step: 1, Call: "iut.Read(8)", Verdict: "ok"}},
				})
			}
		}
	}
	return render.New(render.Header{Generated: time.Unix(0, 0).UTC(), Timescale: 1}, impls, results)
}

const timing = `<script>
(function () {
  const t0 = performance.now();
  const s = document.getElementById("f-area"); s.value = "area3"; s.dispatchEvent(new Event("change"));
  const t1 = performance.now();
  document.querySelector("td.cell").click();
  const t2 = performance.now();
  const pre = document.createElement("pre"); pre.id = "netconform-selftest";
  pre.textContent = JSON.stringify({load: t0, filter: t1 - t0, click: t2 - t1, cells: document.querySelectorAll("td.cell").length, errors: window.__errors});
  document.body.append(pre);
})();
</script>`

// TestHTMLStaysFastWhenBig loads 20 implementations × 200 cases. Page
// times are the best of up to three loads: a slow page is slow every
// time, a busy machine only sometimes.
func TestHTMLStaysFastWhenBig(t *testing.T) {
	bin := chromium(t)
	page := pageWith(t, bigReport(), timing)
	type timings struct {
		Load, Filter, Click float64
		Cells               int
		Errors              []string
	}
	best := timings{Load: math.Inf(1), Filter: math.Inf(1), Click: math.Inf(1)}
	for try := 0; try < 3 && (best.Load >= 3000 || best.Filter >= 500 || best.Click >= 200); try++ {
		dom, stderr := runChromium(t, bin, page, "--virtual-time-budget=10000", "--dump-dom")
		m := selftestRE.FindStringSubmatch(dom)
		require.NotNil(t, m, tailOf(stderr))
		var got timings
		require.NoError(t, json.Unmarshal([]byte(html.UnescapeString(m[1])), &got))
		require.Empty(t, got.Errors)
		require.Equal(t, 4000, got.Cells)
		t.Logf("20 × 200 matrix, load %d: page script done %.0f ms after navigation, area filter %.0f ms, click %.0f ms", try+1, got.Load, got.Filter, got.Click)
		best.Load, best.Filter, best.Click = min(best.Load, got.Load), min(best.Filter, got.Filter), min(best.Click, got.Click)
	}
	require.Less(t, best.Load, 3000.0, "the page must be usable within 3 s")
	require.Less(t, best.Filter, 500.0)
	require.Less(t, best.Click, 200.0)
}

// TestHTMLScreenshot renders the fixture with a transcript open, for people
// to look at: NETCONFORM_SCREENSHOT=path keeps it.
func TestHTMLScreenshot(t *testing.T) {
	bin := chromium(t)
	cell := os.Getenv("NETCONFORM_SCREENSHOT_CELL") // impl/case; the default shows a failure
	if cell == "" {
		cell = "alpha/closed.read.after-close-is-errclosed"
	}
	impl, id, _ := strings.Cut(cell, "/")
	click := `<script>document.querySelector('tr[data-case="` + id + `"] td.cell[data-impl="` + impl + `"]').click(); document.getElementById("sum-wrap").open = true;</script>`
	page := pageWith(t, fixture(), click)
	shot := os.Getenv("NETCONFORM_SCREENSHOT")
	if shot == "" {
		shot = filepath.Join(t.TempDir(), "report.png")
	}
	runChromium(t, bin, page, "--virtual-time-budget=5000", "--window-size=1400,900", "--screenshot="+shot)
	st, err := os.Stat(shot)
	require.NoError(t, err)
	require.Greater(t, st.Size(), int64(10000), "the screenshot is (nearly) empty")
	t.Logf("screenshot: %s", shot)
}

const clickLinks = `<script>
(function () {
  const out = {errors: window.__errors};
  document.querySelector("td.cell").click();
  const links = [...document.querySelectorAll("#panel a:not(.permalink):not(.cat):not(.pcap)")]; // the page's own: the cell's #link, the catalogue's https link, the pcap file beside the page
  out.hrefs = links.map((a) => a.getAttribute("href"));
  out.panelText = document.getElementById("panel").innerText;
  for (const a of links) if (!/^https?:/.test(a.getAttribute("href"))) a.click(); // an http link would navigate away
  setTimeout(() => {
    out.title = document.title;
    out.errors = window.__errors;
    const pre = document.createElement("pre"); pre.id = "netconform-selftest"; pre.textContent = JSON.stringify(out);
    document.body.append(pre);
  }, 300);
})();
</script>`

// TestHTMLLinksOnlyHTTP: a known divergence's link that is not http or
// https is shown as text, and nothing in the report runs as script (probe:
// a javascript: link was an <a href>, and clicking it ran).
func TestHTMLLinksOnlyHTTP(t *testing.T) {
	bin := chromium(t)
	page := pageWith(t, hostile(), clickLinks)
	dom, stderr := runChromium(t, bin, page, "--virtual-time-budget=5000", "--dump-dom")
	require.Contains(t, dom, "netconform conformance report", "the page was replaced: a javascript: link ran:\n%s", dom)
	m := selftestRE.FindStringSubmatch(dom)
	require.NotNil(t, m, "the driver script did not run; chromium said:\n%s", tailOf(stderr))
	var got struct {
		Errors    []string
		Hrefs     []string
		PanelText string
		Title     string
	}
	require.NoError(t, json.Unmarshal([]byte(html.UnescapeString(m[1])), &got))
	require.NotEqual(t, "PWNED", got.Title, "a link ran script")
	require.Empty(t, got.Hrefs, "no link but http and https")
	require.Contains(t, got.PanelText, "javascript:document.title='PWNED'", "the link is shown as text")
	require.Empty(t, got.Errors)

	r := hostile()
	r.Results[0].Known.Link = "https://example.com/issues/1"
	dom, stderr = runChromium(t, bin, pageWith(t, r, clickLinks), "--virtual-time-budget=5000", "--dump-dom")
	m = selftestRE.FindStringSubmatch(dom)
	require.NotNil(t, m, tailOf(stderr))
	require.NoError(t, json.Unmarshal([]byte(html.UnescapeString(m[1])), &got))
	require.Equal(t, []string{"https://example.com/issues/1"}, got.Hrefs)
}
