// Package render builds netconform's conformance report and writes it as
// JSON (the canonical, versioned form, described by report.schema.json),
// Markdown, a self-contained HTML matrix, and JUnit XML. It reads results
// either from result.Result values or from `go test -json` output. It
// never dials and never imports the suite or the implementations.
package render

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/netconform/netconform/harness/result"
)

// Format is the version of the report's JSON form. It changes when a field
// changes meaning or disappears; added fields keep it.
const Format = 1

// Report is a conformance report: who ran what where, the implementations,
// the cases, one result per case × implementation × role, and counts.
type Report struct {
	Format  int             `json:"format"`
	Header  Header          `json:"header"`
	Impls   []ImplInfo      `json:"impls"`
	Cases   []CaseInfo      `json:"cases"`
	Results []result.Result `json:"results"`
	// Causes are the root causes of the failed results (result.Causes),
	// most results first: what to fix first.
	Causes []result.Cause `json:"causes,omitempty"`
	// Perf holds the informational performance figures of the perf cases,
	// each beside the baseline implementation's from the same run.
	Perf   *Perf  `json:"perf,omitempty"`
	Footer Footer `json:"footer"`
}

// PerfBaseline is the implementation the perf figures are compared with.
const PerfBaseline = "std-tcp"

// Perf is the performance table of a report: informational, measured by
// the perf cases in the run that produced the report.
type Perf struct {
	Baseline string    `json:"baseline"` // empty when the baseline did not run
	Rows     []PerfRow `json:"rows"`
}

// A PerfRow is one implementation's figures; a ratio is the
// implementation's figure over the baseline's (for latency, above 1 is
// slower; for throughput, below 1 is slower). Each measurement's spread
// is the coefficient of variation (a fraction) of its rounds' figures,
// beside how many rounds it took.
type PerfRow struct {
	Impl             string   `json:"impl"`
	RTTp50us         *float64 `json:"rttP50Us,omitempty"`
	RTTp99us         *float64 `json:"rttP99Us,omitempty"`
	RTTcv            *float64 `json:"rttCv,omitempty"`
	RTTRounds        *float64 `json:"rttRounds,omitempty"`
	ThroughputMBs    *float64 `json:"throughputMBs,omitempty"`
	ThroughputCV     *float64 `json:"throughputCv,omitempty"`
	ThroughputRounds *float64 `json:"throughputRounds,omitempty"`
	RTTRatio         *float64 `json:"rttRatio,omitempty"`
	ThroughputRatio  *float64 `json:"throughputRatio,omitempty"`
}

// Header says what produced the report and where. Started (when the run
// started; zero when unknown) and Generated (when the report was written)
// are its only wall-clock times.
type Header struct {
	Tool          string    `json:"tool"`
	ToolVersion   string    `json:"toolVersion"`
	CatalogueHash string    `json:"catalogueHash"`
	GoVersion     string    `json:"goVersion"`
	GOOS          string    `json:"goos"`
	GOARCH        string    `json:"goarch"`
	Kernel        string    `json:"kernel"`
	Timescale     float64   `json:"timescale"`
	Options       []string  `json:"options"`
	Generated     time.Time `json:"generated"`
	Started       time.Time `json:"started,omitzero"`
}

// ImplInfo describes an implementation in a report (result.ImplInfo).
type ImplInfo = result.ImplInfo

// CaseInfo describes a case in a report (result.CaseInfo).
type CaseInfo = result.CaseInfo

// Footer counts the results.
type Footer struct {
	Total     int                               `json:"total"`
	ByOutcome map[result.Outcome]int            `json:"byOutcome"`
	ByArea    map[string]map[result.Outcome]int `json:"byArea"`
	ByImpl    map[string]map[result.Outcome]int `json:"byImpl"`
}

// New assembles a report: results sorted by implementation, case and role;
// cases and implementations derived from them where not given; counts. The
// report keeps results (sorted in place): a large report is not copied.
func New(h Header, impls []ImplInfo, results []result.Result) *Report {
	r := &Report{Format: Format, Header: h, Results: results}
	if h.Tool == "" {
		r.Header.Tool = "netconform"
	}
	slices.SortFunc(r.Results, func(a, b result.Result) int {
		return cmp.Or(cmp.Compare(a.Impl, b.Impl), cmp.Compare(a.Case, b.Case), cmp.Compare(a.Role, b.Role))
	})
	seen := map[string]bool{}
	for _, im := range impls {
		if !seen[im.Name] {
			r.Impls = append(r.Impls, im)
			seen[im.Name] = true
		}
	}
	cases := map[string]CaseInfo{}
	for _, res := range r.Results {
		if !seen[res.Impl] {
			r.Impls = append(r.Impls, ImplInfo{Name: res.Impl})
			seen[res.Impl] = true
		}
		cases[res.Case] = CaseInfo{ID: res.Case, Area: res.Area, Level: res.Level, Spec: res.Spec, Catalogue: res.Catalogue, Needs: res.Needs}
	}
	slices.SortFunc(r.Impls, func(a, b ImplInfo) int { return cmp.Compare(a.Name, b.Name) })
	for _, c := range cases {
		r.Cases = append(r.Cases, c)
	}
	slices.SortFunc(r.Cases, func(a, b CaseInfo) int { return cmp.Compare(a.ID, b.ID) })
	r.Footer = count(r.Results)
	r.Causes = result.Causes(r.Results)
	r.Perf = perfTable(r.Results)
	r.noteLeaks()
	return r
}

// Metric names the perf cases record (suite.MetricRTTp50 and the others).
const (
	metricRTTp50           = "rtt_p50_us"
	metricRTTp99           = "rtt_p99_us"
	metricRTTcv            = "rtt_cv"
	metricRTTrounds        = "rtt_rounds"
	metricThroughput       = "throughput_mb_s"
	metricThroughputCV     = "throughput_cv"
	metricThroughputRounds = "throughput_rounds"
)

// perfTable gathers the perf cases' metrics; nil when none ran.
func perfTable(results []result.Result) *Perf {
	rows := map[string]*PerfRow{}
	var order []string
	for _, res := range results {
		if res.Area != "perf" || len(res.Metrics) == 0 {
			continue
		}
		row := rows[res.Impl]
		if row == nil {
			row = &PerfRow{Impl: res.Impl}
			rows[res.Impl] = row
			order = append(order, res.Impl)
		}
		for name, v := range res.Metrics {
			v := v
			switch name {
			case metricRTTp50:
				row.RTTp50us = &v
			case metricRTTp99:
				row.RTTp99us = &v
			case metricRTTcv:
				row.RTTcv = &v
			case metricRTTrounds:
				row.RTTRounds = &v
			case metricThroughput:
				row.ThroughputMBs = &v
			case metricThroughputCV:
				row.ThroughputCV = &v
			case metricThroughputRounds:
				row.ThroughputRounds = &v
			}
		}
	}
	if len(rows) == 0 {
		return nil
	}
	p := &Perf{}
	base := rows[PerfBaseline]
	if base != nil {
		p.Baseline = PerfBaseline
	}
	slices.Sort(order)
	for _, name := range order {
		row := rows[name]
		if base != nil {
			row.RTTRatio = ratio(row.RTTp50us, base.RTTp50us)
			row.ThroughputRatio = ratio(row.ThroughputMBs, base.ThroughputMBs)
		}
		p.Rows = append(p.Rows, *row)
	}
	return p
}

func ratio(v, base *float64) *float64 {
	if v == nil || base == nil || *base == 0 {
		return nil
	}
	r := *v / *base
	if math.IsInf(r, 0) || math.IsNaN(r) {
		return nil // no figure JSON could carry
	}
	return &r
}

// noteLeaks copies the failing leak checks into their implementations.
func (r *Report) noteLeaks() {
	for _, res := range r.Results {
		if res.Area != "leak" || (res.Outcome != result.Fail && res.Outcome != result.KnownFailure) {
			continue
		}
		for i := range r.Impls {
			if r.Impls[i].Name == res.Impl {
				for _, f := range res.Findings {
					r.Impls[i].Leaks = append(r.Impls[i].Leaks, f.Call+": "+f.Got)
				}
			}
		}
	}
}

func count(results []result.Result) Footer {
	f := Footer{
		Total:     len(results),
		ByOutcome: map[result.Outcome]int{},
		ByArea:    map[string]map[result.Outcome]int{},
		ByImpl:    map[string]map[result.Outcome]int{},
	}
	for _, r := range results {
		f.ByOutcome[r.Outcome]++
		if f.ByArea[r.Area] == nil {
			f.ByArea[r.Area] = map[result.Outcome]int{}
		}
		f.ByArea[r.Area][r.Outcome]++
		if f.ByImpl[r.Impl] == nil {
			f.ByImpl[r.Impl] = map[result.Outcome]int{}
		}
		f.ByImpl[r.Impl][r.Outcome]++
	}
	return f
}

// ExitCode is what a command producing r exits with: 2 when the harness or
// an adapter could not run something (error rows), 1 when a result fails
// (fail, timeout, unexpected-pass), 0 when every result is a pass or is
// declared (unsupported, known-failure, skip, info).
func (r *Report) ExitCode() int {
	code := 0
	for _, res := range r.Results {
		switch res.Outcome {
		case result.Error:
			return 2
		case result.Fail, result.Timeout, result.UnexpectedPass:
			code = 1
		}
	}
	return code
}

// Areas lists the areas of the report's cases, in order.
func (r *Report) Areas() []string {
	var out []string
	for _, c := range r.Cases {
		if !slices.Contains(out, c.Area) {
			out = append(out, c.Area)
		}
	}
	slices.Sort(out)
	return out
}

// result finds the results of a case on an implementation.
func (r *Report) resultsFor(impl, caseID string) []*result.Result {
	i, _ := slices.BinarySearchFunc(r.Results, [2]string{impl, caseID}, func(res result.Result, k [2]string) int {
		return cmp.Or(cmp.Compare(res.Impl, k[0]), cmp.Compare(res.Case, k[1]))
	})
	var out []*result.Result
	for ; i < len(r.Results) && r.Results[i].Impl == impl && r.Results[i].Case == caseID; i++ {
		out = append(out, &r.Results[i])
	}
	return out
}

// Worst picks the outcome that represents several roles in one cell: a
// failure beats a known failure beats unsupported beats a pass beats not
// applicable.
func Worst(rs []*result.Result) result.Outcome {
	rank := map[result.Outcome]int{
		result.Error: 10, result.Timeout: 9, result.Fail: 8, result.UnexpectedPass: 7,
		result.KnownFailure: 6, result.Info: 5, result.Skip: 4, result.Unsupported: 3, result.Pass: 2,
		result.NotApplicable: 1,
	}
	var w result.Outcome
	for _, r := range rs {
		if rank[r.Outcome] > rank[w] {
			w = r.Outcome
		}
	}
	return w
}

// TopCauses is the number of root causes the report's summaries list
// before the failures (report.json keeps them all).
const TopCauses = 5

// CauseLine renders a root cause in one line, with its implementations
// when the report has several: "35 cases (66 results) of myconn: …".
func (r *Report) CauseLine(c result.Cause) string {
	if len(r.Impls) < 2 {
		return c.String()
	}
	impls := c.Impls
	if len(impls) > 3 {
		impls = append(impls[:3:3], fmt.Sprintf("%d more", len(c.Impls)-3))
	}
	return fmt.Sprintf("%s: %s", strings.Join(impls, ", "), c.String())
}
