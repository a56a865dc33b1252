package render

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/netconform/netconform/harness"
)

// The lines the suite prints under go test -json (see suite.Run).
const (
	ResultPrefix = "netconform-result: "
	ImplPrefix   = "netconform-impl: "
)

// testEvent is one line of go test -json (cmd/test2json).
type testEvent struct {
	Time    time.Time
	Action  string
	Package string
	Test    string
	Output  string
}

// Collected is what a go test -json stream held.
type Collected struct {
	Impls   []ImplInfo
	Results []harness.Result
	// Output keeps the tail of the stream's plain output, for evidence.
	Output string
	// Failed is true when the stream reports a failing package.
	Failed bool
}

// ReadTestJSON reads go test -json output (several packages may be mixed)
// and collects the implementations and results the suite printed. Output
// lines that test2json split into several events are joined again. A line
// that is not a JSON event, or a result line that does not parse, is an
// error naming its line number: a malformed or truncated stream never
// yields a silently partial report. Planned results that are missing are
// added as error rows by Complete.
func ReadTestJSON(r io.Reader, name string) (*Collected, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	c := &Collected{}
	var partial strings.Builder // an output line test2json split into events
	partialFrom := 0
	tail := &tailLines{max: 200}
	line := 0
	for sc.Scan() {
		line++
		raw := sc.Bytes()
		if len(strings.TrimSpace(string(raw))) == 0 {
			continue
		}
		var ev testEvent
		if err := json.Unmarshal(raw, &ev); err != nil {
			return nil, fmt.Errorf("%s:%d: not a go test -json event: %v", name, line, err)
		}
		switch ev.Action {
		case "fail":
			if ev.Test == "" {
				c.Failed = true
			}
			continue
		case "output":
		default:
			continue
		}
		if partial.Len() == 0 {
			partialFrom = line
		}
		partial.WriteString(ev.Output)
		if !strings.HasSuffix(ev.Output, "\n") {
			continue
		}
		out := strings.TrimRight(partial.String(), "\n")
		partial.Reset()
		if err := c.take(out, name, partialFrom); err != nil {
			return nil, err
		}
		tail.add(out)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s:%d: %v", name, line+1, err)
	}
	if partial.Len() > 0 {
		if err := c.take(partial.String(), name, partialFrom); err != nil {
			return nil, fmt.Errorf("%w (the stream ends inside this line: truncated?)", err)
		}
	}
	c.Output = tail.String()
	return c, nil
}

// take handles one reassembled output line.
func (c *Collected) take(out, name string, line int) error {
	out = strings.TrimSpace(out)
	switch {
	case strings.HasPrefix(out, ResultPrefix):
		var res harness.Result
		if err := json.Unmarshal([]byte(strings.TrimPrefix(out, ResultPrefix)), &res); err != nil {
			return fmt.Errorf("%s:%d: a netconform result line that does not parse: %v", name, line, err)
		}
		if res.Impl == "" || res.Case == "" || res.Outcome == "" {
			return fmt.Errorf("%s:%d: a netconform result without impl, case or outcome", name, line)
		}
		c.Results = append(c.Results, res)
	case strings.HasPrefix(out, ImplPrefix):
		var im ImplInfo
		if err := json.Unmarshal([]byte(strings.TrimPrefix(out, ImplPrefix)), &im); err != nil {
			return fmt.Errorf("%s:%d: a netconform implementation line that does not parse: %v", name, line, err)
		}
		c.Impls = append(c.Impls, im)
	}
	return nil
}

// Complete adds an error result for every planned case/role of an
// implementation that has no result, with the evidence given. lookup, if
// not nil, supplies the case's metadata.
func (c *Collected) Complete(evidence string, lookup func(id string) (CaseInfo, bool)) {
	have := map[string]bool{}
	for _, r := range c.Results {
		have[r.Key()] = true
	}
	for _, im := range c.Impls {
		for _, key := range im.Planned {
			if have[im.Name+"/"+key] {
				continue
			}
			caseID, role, _ := strings.Cut(key, "/")
			res := harness.Result{
				Impl: im.Name, Case: caseID, Role: harness.Role(role), Area: strings.SplitN(caseID, ".", 2)[0],
				Outcome:  harness.Error,
				Reason:   "no result: the test process ended before this case reported",
				Evidence: evidence,
			}
			if lookup != nil {
				if ci, ok := lookup(caseID); ok {
					res.Level, res.Spec, res.Catalogue, res.Needs = ci.Level, ci.Spec, ci.Catalogue, ci.Needs
				}
			}
			c.Results = append(c.Results, res)
		}
	}
}

// tailLines keeps the last lines added.
type tailLines struct {
	max   int
	lines []string
}

func (t *tailLines) add(l string) {
	t.lines = append(t.lines, l)
	if len(t.lines) > t.max {
		t.lines = t.lines[len(t.lines)-t.max:]
	}
}

func (t *tailLines) String() string { return strings.Join(t.lines, "\n") }
