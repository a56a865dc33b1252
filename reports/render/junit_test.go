package render_test

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/netconform/netconform/harness/result"
	"github.com/netconform/netconform/reports/render"
)

// node is an XML element, generic: what a schema check looks at.
type node struct {
	XMLName  xml.Name
	Attrs    []xml.Attr `xml:",any,attr"`
	Children []node     `xml:",any"`
}

func (n node) attr(name string) (string, bool) {
	for _, a := range n.Attrs {
		if a.Name.Local == name {
			return a.Value, true
		}
	}
	return "", false
}

// The common JUnit XSD (the one Jenkins, GitLab and GitHub reporters
// read): what each element may carry.
var (
	junitTimestamp = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}$`) // xs:dateTime without a zone
	junitDecimal   = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?$`)
	suiteAttrs     = map[string]bool{"name": true, "tests": true, "failures": true, "errors": true, "skipped": true, "time": true, "timestamp": true}
	caseAttrs      = map[string]bool{"name": true, "classname": true, "time": true}
	caseChildren   = []string{"failure", "error", "skipped", "system-out", "system-err"}
)

// checkJUnitShape checks doc against the common JUnit XSD's shape:
// testsuites holding testsuite elements with every required attribute,
// their counts matching their testcase elements, each testcase with a
// name, a classname and a time, and at most one of failure, error and
// skipped.
func checkJUnitShape(doc []byte) error {
	var root node
	if err := xml.Unmarshal(doc, &root); err != nil {
		return err
	}
	if root.XMLName.Local != "testsuites" {
		return fmt.Errorf("root element %s, want testsuites", root.XMLName.Local)
	}
	for _, s := range root.Children {
		if s.XMLName.Local != "testsuite" {
			return fmt.Errorf("testsuites holds a %s, want only testsuite", s.XMLName.Local)
		}
		name, _ := s.attr("name")
		for a := range suiteAttrs {
			if v, ok := s.attr(a); !ok || v == "" {
				return fmt.Errorf("testsuite %q lacks attribute %s", name, a)
			}
		}
		if ts, _ := s.attr("timestamp"); !junitTimestamp.MatchString(ts) {
			return fmt.Errorf("testsuite %q: timestamp %q is not an xs:dateTime without a zone", name, ts)
		}
		if t, _ := s.attr("time"); !junitDecimal.MatchString(t) {
			return fmt.Errorf("testsuite %q: time %q is not a decimal number of seconds", name, t)
		}
		counts := map[string]int{}
		for _, c := range s.Children {
			if c.XMLName.Local != "testcase" {
				return fmt.Errorf("testsuite %q holds a %s, want only testcase", name, c.XMLName.Local)
			}
			counts["tests"]++
			for a := range caseAttrs {
				if v, ok := c.attr(a); !ok || v == "" {
					return fmt.Errorf("a testcase of %q lacks attribute %s", name, a)
				}
			}
			for _, a := range c.Attrs {
				if !caseAttrs[a.Name.Local] {
					return fmt.Errorf("a testcase of %q has attribute %s, which the schema does not allow", name, a.Name.Local)
				}
			}
			if t, _ := c.attr("time"); !junitDecimal.MatchString(t) {
				return fmt.Errorf("a testcase of %q: time %q is not a decimal number of seconds", name, t)
			}
			kinds := 0
			for _, k := range c.Children {
				if !slices.Contains(caseChildren, k.XMLName.Local) {
					return fmt.Errorf("a testcase of %q holds a %s", name, k.XMLName.Local)
				}
				if k.XMLName.Local == "failure" || k.XMLName.Local == "error" || k.XMLName.Local == "skipped" {
					kinds++
					counts[map[string]string{"failure": "failures", "error": "errors", "skipped": "skipped"}[k.XMLName.Local]]++
				}
			}
			if kinds > 1 {
				return fmt.Errorf("a testcase of %q holds %d of failure, error and skipped, want at most one", name, kinds)
			}
		}
		for _, a := range []string{"tests", "failures", "errors", "skipped"} {
			v, _ := s.attr(a)
			if got, err := strconv.Atoi(v); err != nil || got != counts[a] {
				return fmt.Errorf("testsuite %q: %s=%q, but it holds %d", name, a, v, counts[a])
			}
		}
	}
	return nil
}

func TestJUnitHasTheSchemasShape(t *testing.T) {
	var b bytes.Buffer
	if err := render.WriteJUnit(&b, fixture()); err != nil {
		t.Fatal(err)
	}
	if err := checkJUnitShape(b.Bytes()); err != nil {
		t.Fatalf("WriteJUnit(fixture): %v\n%s", err, b.String())
	}
}

// The checker itself: each break of the shape is seen.
func TestJUnitShapeCheckRefusesBrokenDocuments(t *testing.T) {
	good := `<testsuites><testsuite name="a" tests="1" failures="1" errors="0" skipped="0" time="1.5" timestamp="2026-11-21T11:59:20">` +
		`<testcase name="c" classname="x.y" time="0.1"><failure message="m">t</failure></testcase></testsuite></testsuites>`
	if err := checkJUnitShape([]byte(good)); err != nil {
		t.Fatalf("checkJUnitShape(good) = %v, want nil", err)
	}
	for _, bad := range []string{
		`<testsuite name="a"/>`,
		`<testsuites><testsuite name="a" tests="0" failures="0" errors="0" skipped="0" time="1"/></testsuites>`,
		`<testsuites><testsuite name="a" tests="0" failures="0" errors="0" skipped="0" time="1" timestamp="2026-11-21T11:59:20Z"/></testsuites>`,
		`<testsuites><testsuite name="a" tests="1" failures="0" errors="0" skipped="0" time="1" timestamp="2026-11-21T11:59:20"/></testsuites>`,
		`<testsuites><testsuite name="a" tests="1" failures="0" errors="0" skipped="0" time="1s" timestamp="2026-11-21T11:59:20"><testcase name="c" classname="x" time="0"/></testsuite></testsuites>`,
		`<testsuites><testsuite name="a" tests="1" failures="0" errors="0" skipped="0" time="1" timestamp="2026-11-21T11:59:20"><testcase name="c" time="0"/></testsuite></testsuites>`,
		`<testsuites><testsuite name="a" tests="1" failures="1" errors="0" skipped="1" time="1" timestamp="2026-11-21T11:59:20"><testcase name="c" classname="x" time="0"><failure/><skipped/></testcase></testsuite></testsuites>`,
	} {
		if err := checkJUnitShape([]byte(bad)); err == nil {
			t.Errorf("checkJUnitShape(%s) = nil, want an error", bad)
		}
	}
}

// A testsuite's time is its implementation's wall time, not the sum of
// its cases' (they run in parallel); unknown, the longest case's.
func TestJUnitSuiteTimeIsTheWallTime(t *testing.T) {
	started := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	res := func(impl, c string, d time.Duration) result.Result {
		return result.Result{Impl: impl, Case: c, Role: "client", Area: "eof", Outcome: result.Pass, Duration: d}
	}
	rep := render.New(render.Header{Started: started, Generated: started.Add(time.Minute)},
		[]render.ImplInfo{{Name: "walled", Wall: 2500 * time.Millisecond}, {Name: "unwalled"}},
		[]result.Result{res("walled", "eof.a", 2*time.Second), res("walled", "eof.b", 2*time.Second),
			res("unwalled", "eof.a", time.Second), res("unwalled", "eof.b", 3*time.Second)})
	var b bytes.Buffer
	if err := render.WriteJUnit(&b, rep); err != nil {
		t.Fatal(err)
	}
	var root node
	if err := xml.Unmarshal(b.Bytes(), &root); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"walled": "2.500", "unwalled": "3.000"}
	for _, s := range root.Children {
		name, _ := s.attr("name")
		if got, _ := s.attr("time"); got != want[name] {
			t.Errorf("testsuite %s: time=%q, want %q", name, got, want[name])
		}
		if got, _ := s.attr("timestamp"); got != "2026-12-01T10:00:00" {
			t.Errorf("testsuite %s: timestamp=%q, want the run's start 2026-12-01T10:00:00", name, got)
		}
	}
}
