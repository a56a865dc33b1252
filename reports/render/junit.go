package render

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"github.com/netconform/netconform/harness/result"
)

// JUnit XML, as CI systems read it: one testsuite per implementation, one
// testcase per case and role, failures carrying the finding text.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Time     string      `xml:"time,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitMessage `xml:"failure"`
	Error     *junitMessage `xml:"error"`
	Skipped   *junitMessage `xml:"skipped"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes the report as JUnit XML.
func WriteJUnit(w io.Writer, r *Report) error {
	out := junitSuites{Name: "netconform"}
	for _, im := range r.Impls {
		s := junitSuite{Name: im.Name}
		var total float64
		for i := range r.Results {
			res := &r.Results[i]
			if res.Impl != im.Name {
				continue
			}
			c := junitCase{
				Name:      res.Case + "/" + string(res.Role),
				Classname: "netconform." + im.Name + "." + res.Area,
				Time:      fmt.Sprintf("%.3f", res.Duration.Seconds()),
			}
			total += res.Duration.Seconds()
			msg := &junitMessage{Message: oneLine(res.Summary()), Type: string(res.Outcome), Text: res.Format()}
			switch res.Outcome {
			case result.Fail, result.Timeout, result.UnexpectedPass:
				c.Failure = msg
				s.Failures++
			case result.Error:
				c.Error = msg
				s.Errors++
			case result.Unsupported, result.KnownFailure, result.Skip:
				c.Skipped = &junitMessage{Message: string(res.Outcome) + ": " + oneLine(res.Reason)}
				s.Skipped++
			case result.Info:
				c.SystemOut = res.Format()
			}
			s.Cases = append(s.Cases, c)
		}
		s.Tests = len(s.Cases)
		s.Time = fmt.Sprintf("%.3f", total)
		out.Tests += s.Tests
		out.Failures += s.Failures
		out.Errors += s.Errors
		out.Skipped += s.Skipped
		out.Suites = append(out.Suites, s)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func oneLine(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	if len(s) > 300 {
		s = s[:297] + "..."
	}
	return s
}
