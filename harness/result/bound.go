package result

import (
	"fmt"
	"unicode/utf8"
)

// Bounds on what one result carries. A result's evidence, transcript and
// wire trace come from an implementation (a child's output, a driver's
// stderr, a goroutine dump) and are cut, with a visible marker saying how
// much, rather than carried whole.
const (
	MaxEvidence = 64 << 10  // the evidence text
	MaxText     = 4 << 10   // a reason, a spec, a finding's or an observation's text
	MaxFindings = 100       // findings, and allowed outcomes
	MaxObs      = 1000      // transcript entries
	MaxSegments = 2000      // wire trace segments
	MaxRetries  = 20        // retry notes
	MaxMetrics  = 100       // metrics
	MaxResult   = 256 << 10 // the whole result, roughly (Size)
)

// Cut returns s if it has at most max bytes, or its start and end around
// a line "[truncated N bytes]", cut on character boundaries.
func Cut(s string, max int) string {
	if len(s) <= max {
		return s
	}
	head, tail := max/4, max-max/4
	for head > 0 && !utf8.RuneStart(s[head]) {
		head--
	}
	start := len(s) - tail
	for start < len(s) && !utf8.RuneStart(s[start]) {
		start++
	}
	return s[:head] + fmt.Sprintf("\n… [truncated %d bytes] …\n", start-head) + s[start:]
}

// Bound cuts r to the bounds above. A result still larger than MaxResult
// keeps the start and end of its transcript and wire trace.
func (r *Result) Bound() {
	r.Spec, r.Reason, r.Catalogue = Cut(r.Spec, MaxText), Cut(r.Reason, MaxText), Cut(r.Catalogue, MaxText)
	r.Evidence = Cut(r.Evidence, MaxEvidence)
	r.WireNote = Cut(r.WireNote, MaxText)
	r.Findings = boundFindings(r.Findings)
	r.Allowed = boundFindings(r.Allowed)
	if len(r.Retries) > MaxRetries {
		r.Retries = append(r.Retries[:MaxRetries-1], fmt.Sprintf("… and %d more retries", len(r.Retries)-MaxRetries+1))
	}
	for i := range r.Retries {
		r.Retries[i] = Cut(r.Retries[i], MaxText)
	}
	for k := range r.Metrics {
		if len(r.Metrics) <= MaxMetrics {
			break
		}
		delete(r.Metrics, k)
	}
	for i := range r.Transcript {
		o := &r.Transcript[i]
		o.Call, o.Async, o.Data, o.Value = Cut(o.Call, MaxText), Cut(o.Async, MaxText), Cut(o.Data, MaxText), Cut(o.Value, MaxText)
		o.Want, o.Note, o.Endpoint, o.Verdict = Cut(o.Want, MaxText), Cut(o.Note, MaxText), Cut(o.Endpoint, MaxText), Cut(o.Verdict, 64)
		if o.Err != nil {
			e := *o.Err
			e.Text = Cut(e.Text, MaxText)
			e.Op, e.Net, e.Syscall, e.Errno = Cut(e.Op, 256), Cut(e.Net, 256), Cut(e.Syscall, 256), Cut(e.Errno, 256)
			e.Chain = nil
			for j, c := range o.Err.Chain {
				if j == 32 {
					break
				}
				e.Chain = append(e.Chain, Cut(c, 256))
			}
			o.Err = &e
		}
	}
	for max := MaxObs; ; max /= 2 {
		r.Transcript = keepEnds(r.Transcript, max, func(n int) Obs {
			return Obs{Call: fmt.Sprintf("… %d steps not kept", n), Verdict: "skipped"}
		})
		r.Wire = keepEnds(r.Wire, 2*max, func(n int) Segment {
			return Segment{From: fmt.Sprintf("… %d segments not kept", n)}
		})
		if r.Size() <= MaxResult || max < 8 {
			break
		}
	}
	if r.Size() > MaxResult {
		r.Evidence = Cut(r.Evidence, MaxResult/4)
		r.Findings, r.Allowed = shortFindings(r.Findings), shortFindings(r.Allowed)
	}
}

// shortFindings keeps ten findings of at most 1 KiB each, for a result
// still too large.
func shortFindings(fs []Finding) []Finding {
	fs = keepEnds(fs, 10, func(n int) Finding {
		return Finding{Call: fmt.Sprintf("… %d findings not kept", n), Got: "not kept", Want: "-"}
	})
	for i := range fs {
		f := &fs[i]
		f.Call, f.Got, f.Want = Cut(f.Call, 1<<10), Cut(f.Got, 1<<10), Cut(f.Want, 1<<10)
	}
	return fs
}

func boundFindings(fs []Finding) []Finding {
	if len(fs) > MaxFindings {
		n := len(fs) - MaxFindings + 1
		fs = append(fs[:MaxFindings-1], Finding{Call: fmt.Sprintf("… %d more findings", n), Got: "not kept", Want: "-"})
	}
	for i := range fs {
		f := &fs[i]
		f.Call, f.Got, f.Want = Cut(f.Call, MaxText), Cut(f.Got, MaxText), Cut(f.Want, MaxText)
	}
	return fs
}

// keepEnds keeps the first and last entries of s when it has more than
// max, with an entry made by gap saying how many went.
func keepEnds[T any](s []T, max int, gap func(n int) T) []T {
	if len(s) <= max || max < 2 {
		return s
	}
	head := max / 2
	tail := max - head - 1
	out := append(s[:head:head], gap(len(s)-head-tail))
	return append(out, s[len(s)-tail:]...)
}

// Slim drops r's transcript, wire trace and evidence, saying why: a report
// that reached its size bound keeps every outcome and finding, not every
// detail.
func (r *Result) Slim(why string) {
	if len(r.Transcript) == 0 && len(r.Wire) == 0 && len(r.Evidence) <= 256 {
		return
	}
	r.Transcript, r.Wire, r.WireNote = nil, nil, ""
	r.Evidence = Cut(r.Evidence, 256) + "\n[" + why + "]"
}

// Size is roughly how many bytes r holds.
func (r *Result) Size() int {
	n := 256 + len(r.Impl) + len(r.Case) + len(r.Area) + len(r.Spec) + len(r.Catalogue) + len(r.Reason) + len(r.Evidence) + len(r.WireNote)
	for _, s := range r.Needs {
		n += len(s) + 16
	}
	for _, fs := range [][]Finding{r.Findings, r.Allowed} {
		for _, f := range fs {
			n += 48 + len(f.Call) + len(f.Got) + len(f.Want)
		}
	}
	for _, o := range r.Transcript {
		n += 160 + len(o.Call) + len(o.Async) + len(o.Data) + len(o.Value) + len(o.Want) + len(o.Note) + len(o.Endpoint)
		if o.Err != nil {
			n += 128 + len(o.Err.Text)
			for _, c := range o.Err.Chain {
				n += len(c) + 16
			}
		}
	}
	for _, s := range r.Wire {
		n += 96 + len(s.From) + len(s.To) + len(s.Flags) + 2*len(s.Raw)
	}
	for _, s := range r.Retries {
		n += len(s) + 16
	}
	return n + 48*len(r.Metrics)
}

// Bound cuts im's texts and lists to the bounds above.
func (im *ImplInfo) Bound() {
	im.Description, im.URL, im.Version = Cut(im.Description, MaxText), Cut(im.URL, MaxText), Cut(im.Version, MaxText)
	im.Evidence = Cut(im.Evidence, MaxEvidence)
	for i := range im.Known {
		k := &im.Known[i]
		k.Reason, k.Link = Cut(k.Reason, MaxText), Cut(k.Link, MaxText)
	}
	if len(im.Leaks) > MaxFindings {
		im.Leaks = im.Leaks[:MaxFindings]
	}
	for i := range im.Leaks {
		im.Leaks[i] = Cut(im.Leaks[i], MaxText)
	}
}
