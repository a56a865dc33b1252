package render

import (
	"bufio"
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"github.com/netconform/netconform/harness/result"
)

// JUnit XML, as CI systems read it: one testsuite per implementation, one
// testcase per case and role, failures carrying the finding text. A
// testsuite's timestamp is the run's start (ISO 8601, UTC, without a zone
// as the JUnit schema wants it) and its time the implementation's wall
// time (ImplInfo.Wall; its cases run in parallel, so not the sum of their
// times); when the wall time is unknown, the longest case's time, a lower
// bound.
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
	Name      string      `xml:"name,attr"`
	Tests     int         `xml:"tests,attr"`
	Failures  int         `xml:"failures,attr"`
	Errors    int         `xml:"errors,attr"`
	Skipped   int         `xml:"skipped,attr"`
	Time      string      `xml:"time,attr"`
	Timestamp string      `xml:"timestamp,attr"`
	Cases     []junitCase `xml:"testcase"` // written one by one, not through this field
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

// WriteJUnit writes the report as JUnit XML, one test case at a time.
// Text the XML cannot carry (control characters, invalid UTF-8) is
// replaced by encoding/xml.
func WriteJUnit(w io.Writer, r *Report) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	out := junitSuites{Name: "netconform"}
	started := r.Header.Started
	if started.IsZero() {
		started = r.Header.Generated
	}
	for _, im := range r.Impls {
		s := junitSuite{Name: im.Name, Timestamp: started.UTC().Format("2006-01-02T15:04:05")}
		wall := im.Wall
		for i := range r.Results {
			if res := &r.Results[i]; res.Impl == im.Name {
				c := junitCaseOf(res, false)
				if im.Wall == 0 {
					wall = max(wall, res.Duration)
				}
				s.Tests++
				switch {
				case c.Failure != nil:
					s.Failures++
				case c.Error != nil:
					s.Errors++
				case c.Skipped != nil:
					s.Skipped++
				}
			}
		}
		s.Time = fmt.Sprintf("%.3f", wall.Seconds())
		out.Tests += s.Tests
		out.Failures += s.Failures
		out.Errors += s.Errors
		out.Skipped += s.Skipped
		out.Suites = append(out.Suites, s)
	}
	if _, err := io.WriteString(bw, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(bw)
	enc.Indent("", "  ")
	root := xml.StartElement{Name: xml.Name{Local: "testsuites"}, Attr: []xml.Attr{
		{Name: xml.Name{Local: "name"}, Value: out.Name}, {Name: xml.Name{Local: "tests"}, Value: fmt.Sprint(out.Tests)},
		{Name: xml.Name{Local: "failures"}, Value: fmt.Sprint(out.Failures)}, {Name: xml.Name{Local: "errors"}, Value: fmt.Sprint(out.Errors)},
		{Name: xml.Name{Local: "skipped"}, Value: fmt.Sprint(out.Skipped)},
	}}
	if err := enc.EncodeToken(root); err != nil {
		return err
	}
	for _, s := range out.Suites {
		start := xml.StartElement{Name: xml.Name{Local: "testsuite"}, Attr: []xml.Attr{
			{Name: xml.Name{Local: "name"}, Value: s.Name}, {Name: xml.Name{Local: "tests"}, Value: fmt.Sprint(s.Tests)},
			{Name: xml.Name{Local: "failures"}, Value: fmt.Sprint(s.Failures)}, {Name: xml.Name{Local: "errors"}, Value: fmt.Sprint(s.Errors)},
			{Name: xml.Name{Local: "skipped"}, Value: fmt.Sprint(s.Skipped)}, {Name: xml.Name{Local: "time"}, Value: s.Time},
			{Name: xml.Name{Local: "timestamp"}, Value: s.Timestamp},
		}}
		if err := enc.EncodeToken(start); err != nil {
			return err
		}
		for i := range r.Results {
			if res := &r.Results[i]; res.Impl == s.Name {
				if err := enc.EncodeElement(junitCaseOf(res, true), xml.StartElement{Name: xml.Name{Local: "testcase"}}); err != nil {
					return err
				}
			}
		}
		if err := enc.EncodeToken(start.End()); err != nil {
			return err
		}
	}
	if err := enc.EncodeToken(root.End()); err != nil {
		return err
	}
	if err := enc.Flush(); err != nil {
		return err
	}
	if _, err := io.WriteString(bw, "\n"); err != nil {
		return err
	}
	return bw.Flush()
}

// junitCaseOf is res as a JUnit test case; without text, only its kind
// (failure, error, skipped) is filled, for counting.
func junitCaseOf(res *result.Result, text bool) junitCase {
	c := junitCase{
		Name:      res.Case + "/" + string(res.Role),
		Classname: "netconform." + res.Impl + "." + res.Area,
		Time:      fmt.Sprintf("%.3f", res.Duration.Seconds()),
	}
	msg := &junitMessage{Type: string(res.Outcome)}
	if text {
		msg.Message, msg.Text = oneLine(res.Summary()), res.Format()
	}
	switch res.Outcome {
	case result.Fail, result.Timeout, result.UnexpectedPass:
		c.Failure = msg
	case result.Error:
		c.Error = msg
	case result.Unsupported, result.NotApplicable, result.KnownFailure, result.Skip:
		c.Skipped = &junitMessage{}
		if text {
			c.Skipped.Message = string(res.Outcome) + ": " + oneLine(res.Reason)
		}
	case result.Info:
		if text {
			c.SystemOut = res.Format()
		}
	}
	return c
}

func oneLine(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	if len(s) > 300 {
		s = s[:297] + "..."
	}
	return s
}
