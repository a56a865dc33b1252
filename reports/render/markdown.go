package render

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/netconform/netconform/harness/result"
)

// Symbols of the outcomes in the Markdown and HTML matrices.
var Symbols = map[result.Outcome]string{
	result.Pass:           "✅",
	result.Fail:           "❌",
	result.Timeout:        "⏱️",
	result.UnexpectedPass: "❗",
	result.Error:          "💥",
	result.KnownFailure:   "🟡",
	result.Unsupported:    "➖",
	result.NotApplicable:  "⬜",
	result.Skip:           "⏭️",
	result.Info:           "ℹ️",
}

// WriteMarkdown writes the report for GitHub: the summary matrix of
// implementations × areas, then each implementation's failing and
// divergent cases with expected and observed, then the per-case matrix.
// Every text of the report is escaped (see escape.go): it cannot become
// HTML, a link, a table column or the end of a code block.
func WriteMarkdown(w io.Writer, r *Report) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	b := &errWriter{w: bw}
	h := r.Header
	fmt.Fprintf(b, "# netconform conformance report\n\n")
	fmt.Fprintf(b, "Generated %s by %s %s · %s %s/%s · kernel %s · timescale %g · catalogue %s\n\n",
		h.Generated.UTC().Format("2006-01-02 15:04 UTC"), mdText(h.Tool), mdText(h.ToolVersion), mdText(h.GoVersion), mdText(h.GOOS), mdText(h.GOARCH), mdText(h.Kernel), h.Timescale, mdCode(short(h.CatalogueHash)))
	fmt.Fprintf(b, "**%d results**: %s\n\n", r.Footer.Total, outcomeCounts(r.Footer.ByOutcome, " · "))
	writeCauses(b, r)
	b.WriteString("Legend: ")
	for _, o := range result.Outcomes {
		fmt.Fprintf(b, "%s %s · ", Symbols[o], o)
	}
	b.WriteString("\n\nLevels: **contract** — required by the `net`/`io` documentation; **convention** — what Go's std `net` does on Linux, which an implementation may differ from by declaring it; **informational** — recorded, never failed. The browsable matrix with every transcript is [index.html](index.html); the canonical data is [report.json](report.json) (schema: [report.schema.json](report.schema.json)); CI systems read [junit.xml](junit.xml).\n\n")

	b.WriteString("## Summary\n\n")
	areas := r.Areas()
	b.WriteString("| implementation |")
	for _, a := range areas {
		b.WriteString(" " + mdCell(a, 64) + " |")
	}
	b.WriteString(" all |\n")
	b.WriteString("|---" + strings.Repeat("|---", len(areas)+1) + "|\n")
	for _, im := range r.Impls {
		fmt.Fprintf(b, "| [%s](#%s) |", mdCell(im.Name, 200), anchor(im.Name))
		for _, a := range areas {
			fmt.Fprintf(b, " %s |", cellCounts(r, im.Name, a))
		}
		fmt.Fprintf(b, " %s |\n", cellCounts(r, im.Name, ""))
	}
	b.WriteString("\nEach cell counts case × role results: ✅ pass, ❌ fail (with ⏱️ timeouts, ❗ unexpected passes and 💥 errors), 🟡 known failure, ➖ unsupported or skipped; results not applicable (⬜) are not counted.\n\n")

	writePerf(b, r.Perf)

	b.WriteString("## Implementations\n\n")
	for _, im := range r.Impls {
		writeImpl(b, r, im)
	}

	b.WriteString("## All cases\n\n")
	b.WriteString("| case | level |")
	for _, im := range r.Impls {
		fmt.Fprintf(b, " %s |", mdCell(im.Name, 200))
	}
	b.WriteString("\n|---|---" + strings.Repeat("|:-:", len(r.Impls)) + "|\n")
	for _, c := range r.Cases {
		fmt.Fprintf(b, "| %s | %s |", mdCode(c.ID), mdCell(string(c.Level), 64))
		for _, im := range r.Impls {
			fmt.Fprintf(b, " %s |", cellSymbols(r.resultsFor(im.Name, c.ID)))
		}
		b.WriteString("\n")
	}
	b.WriteString("\nWhere a case runs in both roles, the cell shows the client role, then the server role.\n\n")
	b.WriteString("## Reproduce\n\n")
	b.WriteString(mdFence(strings.Join(append([]string{"go run ./reports"}, h.Options...), " "), "sh"))
	if b.err != nil {
		return b.err
	}
	return bw.Flush()
}

// errWriter keeps the first error of a series of writes.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return len(p), nil
	}
	_, e.err = e.w.Write(p)
	return len(p), nil
}

func (e *errWriter) WriteString(s string) { e.Write([]byte(s)) }

// writeCauses lists the top root causes of the failed results, before
// any failure.
func writeCauses(b *errWriter, r *Report) {
	if len(r.Causes) == 0 {
		return
	}
	b.WriteString("## Root causes\n\nThe failed results grouped by the signature of their first deviation (the error's class and chain against the expected, or the kind of deviation and step), most results first: fix these first.\n\n")
	for i, c := range r.Causes {
		if i == TopCauses {
			fmt.Fprintf(b, "\n…and %d more in report.json.\n", len(r.Causes)-i)
			break
		}
		fmt.Fprintf(b, "%d. %s\n", i+1, mdText(r.CauseLine(c)))
	}
	b.WriteString("\n")
}

func writeImpl(b *errWriter, r *Report, im ImplInfo) {
	fmt.Fprintf(b, "### %s\n\n", mdText(im.Name))
	if im.Description != "" || im.URL != "" {
		b.WriteString(mdText(im.Description))
		if link := SafeLink(im.URL); link != "" {
			fmt.Fprintf(b, " — <%s>", link)
		} else if im.URL != "" {
			fmt.Fprintf(b, " — %s", mdText(im.URL))
		}
		b.WriteString("\n\n")
	}
	fmt.Fprintf(b, "Topology **%s**", mdText(im.Topology))
	if im.Network != "" {
		fmt.Fprintf(b, " over %s", mdText(im.Network))
	}
	fmt.Fprintf(b, "; close mode **%s**; capabilities: %s.", mdText(im.CloseMode), mdText(strings.Join(im.Caps, ", ")))
	if im.Module != "" {
		fmt.Fprintf(b, " Adapter module: %s.", mdCode(im.Module))
	}
	fmt.Fprintf(b, " Results: %s.\n\n", outcomeCounts(r.Footer.ByImpl[im.Name], ", "))
	for _, l := range im.Leaks {
		fmt.Fprintf(b, "> **Leak**: %s\n\n", mdText(l))
	}
	if im.Evidence != "" {
		fmt.Fprintf(b, "<details><summary>Run evidence</summary>\n\n%s</details>\n\n", mdFence(im.Evidence, ""))
	}
	n := 0
	for i := range r.Results {
		res := &r.Results[i]
		if res.Impl != im.Name {
			continue
		}
		switch res.Outcome {
		case result.Pass, result.Unsupported, result.NotApplicable, result.Skip:
			continue
		}
		if n == 0 {
			b.WriteString("| case | role | level | expected | observed | spec |\n|---|---|---|---|---|---|\n")
		}
		n++
		expected, observed := expectedObserved(res)
		fmt.Fprintf(b, "| %s %s | %s | %s | %s | %s | %s |\n",
			Symbols[res.Outcome], mdCode(res.Case), mdCell(string(res.Role), 64), mdCell(string(res.Level), 64), mdCell(expected, 400), mdCell(observed, 400), mdCell(res.Spec, 400))
	}
	if n == 0 {
		b.WriteString("No failing or divergent case.\n\n")
		return
	}
	b.WriteString("\n")
}

// expectedObserved states what a failing or divergent result expected and
// saw: its first finding, or the declared reason.
func expectedObserved(res *result.Result) (string, string) {
	var exp, obs string
	if len(res.Findings) > 0 {
		f := res.Findings[0]
		exp, obs = f.Call+" = "+f.Want, f.Got
		if len(res.Findings) > 1 {
			obs += fmt.Sprintf(" (and %d more)", len(res.Findings)-1)
		}
	}
	switch res.Outcome {
	case result.KnownFailure:
		link := ""
		if res.Known != nil && res.Known.Link != "" {
			link = " " + res.Known.Link
		}
		obs = "known: " + res.Reason + link + " — " + obs
	case result.Error:
		obs = res.Reason + " " + obs
	}
	return exp, obs
}

// anchor is the anchor of an implementation's heading.
func anchor(name string) string { return mdAnchor(name) }

func short(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

func outcomeCounts(m map[result.Outcome]int, sep string) string {
	var parts []string
	for _, o := range result.Outcomes {
		if m[o] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s %s", m[o], Symbols[o], o))
		}
	}
	return strings.Join(parts, sep)
}

// cellCounts summarises an implementation's results in an area ("" for all).
func cellCounts(r *Report, impl, area string) string {
	var pass, fail, known, unsup int
	for i := range r.Results {
		res := &r.Results[i]
		if res.Impl != impl || (area != "" && res.Area != area) {
			continue
		}
		switch res.Outcome {
		case result.Pass, result.Info:
			pass++
		case result.KnownFailure:
			known++
		case result.NotApplicable:
		case result.Unsupported, result.Skip:
			unsup++
		default:
			fail++
		}
	}
	var parts []string
	for _, p := range []struct {
		n int
		s string
	}{{pass, "✅"}, {fail, "❌"}, {known, "🟡"}, {unsup, "➖"}} {
		if p.n > 0 {
			parts = append(parts, fmt.Sprintf("%d%s", p.n, p.s))
		}
	}
	if len(parts) == 0 {
		return "·"
	}
	return strings.Join(parts, " ")
}

func cellSymbols(rs []*result.Result) string {
	if len(rs) == 0 {
		return "·"
	}
	slices.SortFunc(rs, func(a, b *result.Result) int { return strings.Compare(string(a.Role), string(b.Role)) })
	var s []string
	for _, r := range rs {
		s = append(s, Symbols[r.Outcome])
	}
	return strings.Join(s, "")
}

// writePerf writes the informational performance table.
func writePerf(b *errWriter, p *Perf) {
	if p == nil {
		return
	}
	b.WriteString("## Performance (informational)\n\n")
	b.WriteString("Measured by the `perf` cases: the round-trip time of an 8-byte ping-pong over one connection (p50 and p99 of every timed exchange) and the median throughput of 1 MiB writes, each taken in rounds until the median across rounds settles (its 95% interval within ±5%) or 3 s pass; the spread is the coefficient of variation across rounds (CV), with their number. The report command runs them in a phase of their own, once every other case has ended, one implementation at a time (in a shard, within that shard's own run). They never fail a run.")
	if p.Baseline != "" {
		fmt.Fprintf(b, " Ratios are to `%s` from the same run (latency above 1× is slower, throughput below 1× is slower).", p.Baseline)
	}
	b.WriteString("\n\n| implementation | RTT p50 | RTT p99 | RTT CV (rounds) | throughput | throughput CV (rounds) | RTT vs baseline | throughput vs baseline |\n|---|--:|--:|--:|--:|--:|--:|--:|\n")
	num := func(v *float64, unit string) string {
		if v == nil {
			return "—"
		}
		return figure(*v) + " " + unit
	}
	times := func(v *float64) string {
		if v == nil {
			return "—"
		}
		return fmt.Sprintf("%.2g×", *v)
	}
	for _, row := range p.Rows {
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s | %s | %s |\n", mdCell(row.Impl, 200), num(row.RTTp50us, "µs"), num(row.RTTp99us, "µs"),
			spread(row.RTTcv, row.RTTRounds), num(row.ThroughputMBs, "MB/s"), spread(row.ThroughputCV, row.ThroughputRounds),
			times(row.RTTRatio), times(row.ThroughputRatio))
	}
	b.WriteString("\n")
}

// spread prints a coefficient of variation as a percentage, with the
// number of rounds it is of: "4.2% (100)"; — when there is none.
func spread(cv, rounds *float64) string {
	if cv == nil {
		return "—"
	}
	s := figure(100**cv) + "%"
	if rounds != nil {
		s += fmt.Sprintf(" (%.0f)", *rounds)
	}
	return s
}

// figure prints a measurement with three significant digits and never in
// exponent notation, as the HTML page does: 0.481, 17.1, 12180.
func figure(v float64) string {
	if v >= 100 {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}
