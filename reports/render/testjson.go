package render

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/netconform/netconform/harness"
	"github.com/netconform/netconform/harness/result"
)

// testEvent is one line of go test -json (cmd/test2json).
type testEvent struct {
	Time    time.Time
	Action  string
	Package string
	Test    string
	Output  string
	Key     string // attr events
	Value   string
}

// Collected is what a go test -json stream held.
type Collected struct {
	Run     *result.RunInfo // the first run event
	Impls   []ImplInfo
	Cases   map[string]CaseInfo // the cases the implementations planned
	Results []result.Result
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
	var events result.Assembler
	var partial strings.Builder // an output line test2json split into events
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
		case "attr":
			if !strings.HasPrefix(ev.Key, "netconform.") {
				continue
			}
			value, done, err := events.Add(ev.Test, ev.Key, ev.Value)
			if err != nil {
				return nil, fmt.Errorf("%s:%d: %v", name, line, err)
			}
			if done {
				if err := c.take(ev.Key, value, name, line); err != nil {
					return nil, err
				}
			}
			continue
		case "output":
		default:
			continue
		}
		partial.WriteString(ev.Output)
		if !strings.HasSuffix(ev.Output, "\n") {
			continue
		}
		out := strings.TrimRight(partial.String(), "\n")
		partial.Reset()
		if !strings.HasPrefix(out, "=== ATTR") {
			tail.add(out)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s:%d: %v", name, line+1, err)
	}
	if partial.Len() > 0 {
		tail.add(partial.String())
	}
	if p := events.Pending(); len(p) > 0 {
		return nil, fmt.Errorf("%s:%d: the stream ends inside an event (%s): truncated?", name, line, strings.Join(p, ", "))
	}
	c.Output = tail.String()
	return c, nil
}

// take handles one netconform event (see package result).
func (c *Collected) take(key, value, name string, line int) error {
	switch key {
	case result.KeyResult:
		var res result.Result
		if err := json.Unmarshal([]byte(value), &res); err != nil {
			return fmt.Errorf("%s:%d: a netconform result event that does not parse: %v", name, line, err)
		}
		if res.Impl == "" || res.Case == "" || res.Outcome == "" {
			return fmt.Errorf("%s:%d: a netconform result without impl, case or outcome", name, line)
		}
		c.Results = append(c.Results, res)
	case result.KeyImpl:
		var im ImplInfo
		if err := json.Unmarshal([]byte(value), &im); err != nil {
			return fmt.Errorf("%s:%d: a netconform implementation event that does not parse: %v", name, line, err)
		}
		c.Impls = append(c.Impls, im)
	case result.KeyCases:
		var cs []CaseInfo
		if err := json.Unmarshal([]byte(value), &cs); err != nil {
			return fmt.Errorf("%s:%d: a netconform cases event that does not parse: %v", name, line, err)
		}
		if c.Cases == nil {
			c.Cases = map[string]CaseInfo{}
		}
		for _, ci := range cs {
			c.Cases[ci.ID] = ci
		}
	case result.KeyRun:
		var ri result.RunInfo
		if err := json.Unmarshal([]byte(value), &ri); err != nil {
			return fmt.Errorf("%s:%d: a netconform run event that does not parse: %v", name, line, err)
		}
		if c.Run == nil {
			c.Run = &ri
		}
	}
	return nil
}

// Complete adds an error result for every planned case/role of an
// implementation that has no result, with the evidence given and the
// case's metadata from the cases events.
func (c *Collected) Complete(evidence string) {
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
			res := result.Result{
				Impl: im.Name, Case: caseID, Role: harness.Role(role), Area: strings.SplitN(caseID, ".", 2)[0],
				Outcome:  result.Error,
				Reason:   "no result: the test process ended before this case reported",
				Evidence: evidence,
			}
			if ci, ok := c.Cases[caseID]; ok {
				res.Level, res.Spec, res.Catalogue, res.Needs = ci.Level, ci.Spec, ci.Catalogue, ci.Needs
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
