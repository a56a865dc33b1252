package render

import (
	"fmt"
	"math"
	"regexp"
	"strings"
	"time"

	"github.com/netconform/netconform/harness/result"
)

// Normalize makes the report's body stable across runs of the same
// behaviour, so that a diff of two committed reports shows behaviour
// changes only:
//   - ephemeral ports become p1, p2… (numbered per result, in order of
//     appearance) and private socket paths lose their random part;
//   - TCP sequence numbers become relative to each side's first, as tcpdump
//     shows them by default;
//   - captured packets are dropped (their ports and sequence numbers are
//     the run's own), so a normalised report has no pcap files;
//   - durations are quantised (0 below 5 ms, 10 ms steps below 1 s, 100 ms
//     steps above) and metrics keep two significant digits;
//   - implementations' wall times are rounded to the second.
//
// The header keeps the wall-clock time of the run.
func (r *Report) Normalize() {
	for i := range r.Results {
		normalizeResult(&r.Results[i])
	}
	for i := range r.Impls {
		r.Impls[i].Evidence = newPorts().replace(r.Impls[i].Evidence)
		r.Impls[i].Wall = r.Impls[i].Wall.Round(time.Second)
	}
}

var (
	addrRE = regexp.MustCompile(`((?:\d{1,3}\.){3}\d{1,3}|\[[0-9a-fA-F:.]+\]):(\d{1,5})\b`)
	pathRE = regexp.MustCompile(`(?:/[^\s/:"'(),]+)*/netconform-(?:sock-p[0-9]+-)?[0-9]+/`) // a case's socket directory, wherever TMPDIR was
	durRE  = regexp.MustCompile(`\b\d+(\.\d+)?(ns|µs|us|ms|s)\b`)
)

// ports numbers the ports of one result's texts.
type ports map[string]string

func newPorts() ports { return ports{} }

func (p ports) replace(s string) string {
	// The expressions run only on text that may hold a match: a report
	// keeps up to MaxDetail bytes of text, and most of it (stacks, logs)
	// holds none.
	if strings.Contains(s, "/netconform-") {
		s = pathRE.ReplaceAllString(s, "/tmp/netconform-*/")
	}
	if !mayHaveAddr(s) {
		return s
	}
	return addrRE.ReplaceAllStringFunc(s, func(m string) string {
		sub := addrRE.FindStringSubmatch(m)
		port := sub[2]
		if port == "0" {
			return m
		}
		name, ok := p[port]
		if !ok {
			name = fmt.Sprintf("p%d", len(p)+1)
			p[port] = name
		}
		return sub[1] + ":" + name
	})
}

// mayHaveAddr reports whether s may hold a match of addrRE: a colon
// between a digit or "]" and a digit.
func mayHaveAddr(s string) bool {
	for i := 1; i+1 < len(s); i++ {
		if s[i] == ':' && isDigit(s[i+1]) && (isDigit(s[i-1]) || s[i-1] == ']') {
			return true
		}
	}
	return false
}

// mayHaveDuration reports whether s may hold a match of durRE: a digit
// followed by the first byte of a unit.
func mayHaveDuration(s string) bool {
	for i := 0; i+1 < len(s); i++ {
		if isDigit(s[i]) {
			switch s[i+1] {
			case 'n', 'u', 'm', 's', "µ"[0]:
				return true
			}
		}
	}
	return false
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// quantize rounds a duration coarsely enough to be stable.
func quantize(d time.Duration) time.Duration {
	switch {
	case d < 5*time.Millisecond:
		return 0
	case d < time.Second:
		return d.Round(10 * time.Millisecond)
	}
	return d.Round(100 * time.Millisecond)
}

// quantizeText rounds the durations written inside messages.
func quantizeText(s string) string {
	if !mayHaveDuration(s) {
		return s
	}
	return durRE.ReplaceAllStringFunc(s, func(m string) string {
		d, err := time.ParseDuration(strings.Replace(m, "µs", "us", 1))
		if err != nil {
			return m
		}
		return quantize(d).String()
	})
}

func normalizeResult(r *result.Result) {
	p := newPorts()
	text := func(s string) string { return quantizeText(p.replace(s)) }
	r.Duration = quantize(r.Duration)
	r.Reason = text(r.Reason)
	r.Evidence = text(r.Evidence)
	for i := range r.Findings {
		f := &r.Findings[i]
		f.Call, f.Got, f.Want = text(f.Call), text(f.Got), text(f.Want)
	}
	for i := range r.Allowed {
		f := &r.Allowed[i]
		f.Call, f.Got, f.Want = text(f.Call), text(f.Got), text(f.Want)
	}
	for i := range r.Retries {
		r.Retries[i] = text(r.Retries[i])
	}
	for i := range r.Transcript {
		o := &r.Transcript[i]
		o.At, o.Took = quantize(o.At), quantize(o.Took)
		if o.Late != nil {
			l := quantize(*o.Late)
			o.Late = &l
		}
		o.Call, o.Value, o.Note, o.Want = text(o.Call), text(o.Value), text(o.Note), text(o.Want)
		if o.Err != nil {
			e := *o.Err
			e.Text = text(e.Text)
			o.Err = &e
		}
	}
	isn := map[string]uint32{}
	for i := range r.Wire {
		s := &r.Wire[i]
		s.At = quantize(s.At)
		s.Raw = nil // its ports and sequence numbers are the run's: no pcap in a normalised report
		s.From, s.To = p.replace(s.From), p.replace(s.To)
		if _, ok := isn[s.From]; !ok && strings.Contains(s.Flags, "S") {
			isn[s.From] = s.Seq
		}
		if base, ok := isn[s.From]; ok {
			s.Seq -= base
		}
		if base, ok := isn[s.To]; ok && strings.Contains(s.Flags, ".") {
			s.Ack -= base
		}
	}
	for k, v := range r.Metrics {
		r.Metrics[k] = twoDigits(v)
	}
}

func twoDigits(v float64) float64 {
	if v == 0 || math.IsInf(v, 0) || math.IsNaN(v) {
		return v
	}
	mag := math.Pow(10, math.Floor(math.Log10(math.Abs(v)))-1)
	if r := math.Round(v/mag) * mag; !math.IsInf(r, 0) && !math.IsNaN(r) && mag != 0 {
		return r
	}
	return v
}
