// Package suite is netconform's case catalogue and the entry point for
// testing an implementation of net.Conn, net.Listener or net.PacketConn:
//
//	func TestMyConn(t *testing.T) {
//		suite.Run(t, harness.Impl{Name: "myconn", Caps: …, Dial: …, Listen: …})
//	}
//
// Run runs every case against the implementation, in every role it can
// play, as subtests named <test>/<impl>/<case-id>[/<role>], so -run selects
// cases. Each case is a table entry in this package (one file per area):
// a stable ID, a one-sentence spec with its source, a level and a script.
package suite

import (
	"cmp"
	"fmt"
	"slices"
	"sync"

	"github.com/netconform/netconform/harness"
	"github.com/netconform/netconform/harness/explore"
	"github.com/netconform/netconform/harness/script"
)

// areas lists the case tables, one per file.
var areas = [][]script.Case{
	halfcloseCases,
	eofCases,
	deadlineCases,
	closedCases,
	listenerCases,
	dialCases,
	udpCases,
	keepaliveCases,
	connCases,
	sockoptCases,
	stateCases,
	faultCases,
	wireCases,
	leakCases,
	perfCases,
}

// The hooks of the netconform_scale test build (scale.go), nil in every
// other: scaleCases adds copies of the case table, scaleKnown extends an
// implementation's Known list to the copies.
var (
	scaleCases func([]script.Case) []script.Case
	scaleKnown func(harness.Impl) harness.Impl
)

var (
	allOnce  sync.Once
	allCases []script.Case
	byID     map[string]*script.Case
)

// Cases returns every case, sorted by ID. The slice is shared; do not
// modify it.
func Cases() []script.Case {
	allOnce.Do(func() {
		for _, a := range areas {
			allCases = append(allCases, a...)
		}
		if scaleCases != nil {
			allCases = scaleCases(allCases)
		}
		slices.SortFunc(allCases, func(a, b script.Case) int { return cmp.Compare(a.ID, b.ID) })
		byID = map[string]*script.Case{}
		for i := range allCases {
			byID[allCases[i].ID] = &allCases[i]
		}
	})
	return allCases
}

// Lookup returns the case with this ID.
func Lookup(id string) (*script.Case, bool) {
	Cases()
	if c, ok := byID[id]; ok {
		return c, true
	}
	return lookupProgramCase(id)
}

// CheckKnown reports known-divergence entries of im that name no case, or
// an informational case (which never fails, so it cannot be "known"). A
// rule the explorer checks is named as its rows are, "explore.<rule>"
// (harness/explore.RuleCase).
func CheckKnown(im *harness.Impl) error {
	for _, k := range im.Known {
		if _, ok := explore.RuleOfCase(k.Case); ok {
			if k.Role != "" && k.Role != harness.RoleClient && k.Role != harness.RoleServer {
				return fmt.Errorf("impl %s: known divergence %q has role %q", im.Name, k.Case, k.Role)
			}
			continue
		}
		c, ok := Lookup(k.Case)
		switch {
		case !ok:
			return fmt.Errorf("impl %s: known divergence names unknown case %q", im.Name, k.Case)
		case c.Level == script.Informational:
			return fmt.Errorf("impl %s: known divergence %q is informational and never fails", im.Name, k.Case)
		case k.Role != "" && k.Role != harness.RoleClient && k.Role != harness.RoleServer:
			return fmt.Errorf("impl %s: known divergence %q has role %q", im.Name, k.Case, k.Role)
		}
	}
	return nil
}
