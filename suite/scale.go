//go:build netconform_scale

// This file exists for measuring how the cost of a run grows with the
// number of cases (issue #15, reports/SCALING.md), and for nothing else:
// it is compiled only with the build tag netconform_scale
//
//	GOFLAGS=-tags=netconform_scale NETCONFORM_SCALE_CASES=4 go run ./reports …
//
// and then repeats the case table NETCONFORM_SCALE_CASES times (1 or unset:
// the table as it is). Copy k (2, 3, …) of a case is the same case with
// "-xk" appended to its ID's condition, so its ID is a valid one of the
// same area ("halfclose.closewrite.peer-reads-eof-x2"); the after-all leak
// cases are not copied (they check the whole process once, not a case). An
// implementation's Known entries are repeated for the copies of the cases
// they name, so a copy of a known failure is a known failure too.
//
// A copy cites what its case cites, so the table's own checks
// (TestCaseTable, TestLookup, TestCatalogueCoverage) pass in this build
// too. Program cases (suite.RunProgram) are not copied, nor their Known
// entries.
package suite

import (
	"fmt"
	"os"
	"strconv"

	"github.com/netconform/netconform/harness"
	"github.com/netconform/netconform/harness/script"
)

// envScaleCases is how many times the table is repeated.
const envScaleCases = "NETCONFORM_SCALE_CASES"

// scaleFactor reads envScaleCases: 1 when unset; a bad value panics, since
// a measurement of the wrong table would be worse than none.
func scaleFactor() int {
	s := os.Getenv(envScaleCases)
	if s == "" {
		return 1
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		panic(fmt.Sprintf("%s=%q: want a positive integer", envScaleCases, s))
	}
	return n
}

// scaleID is the ID of copy k (2, 3, …) of the case id.
func scaleID(id string, k int) string { return fmt.Sprintf("%s-x%d", id, k) }

func init() {
	n := scaleFactor()
	if n == 1 {
		return
	}
	scaleCases = func(cases []script.Case) []script.Case { return scaleTable(cases, n) }
	scaleKnown = func(im harness.Impl) harness.Impl { return scaleKnownList(im, n) }
}

// scaleTable is cases followed by copies 2 to n of each but the after-all
// ones.
func scaleTable(cases []script.Case, n int) []script.Case {
	out := cases
	for k := 2; k <= n; k++ {
		for _, c := range cases {
			if c.Setup == script.SetupAfterAll {
				continue
			}
			c.ID = scaleID(c.ID, k)
			out = append(out, c)
		}
	}
	return out
}

// scaleKnownList is im with its Known entries repeated for copies 2 to n
// of the table cases they name.
func scaleKnownList(im harness.Impl, n int) harness.Impl {
	Cases()
	known := append([]harness.Known(nil), im.Known...)
	for _, k := range im.Known {
		c, ok := byID[k.Case]
		if !ok || c.Setup == script.SetupAfterAll || c.ID != k.Case {
			continue // not a table case (explore.<rule>, a program case, which has no copies), or not copied
		}
		for i := 2; i <= n; i++ {
			k.Case = scaleID(c.ID, i)
			known = append(known, k)
		}
	}
	im.Known = known
	return im
}
