package suite

import (
	"testing"

	"github.com/netconform/netconform/harness"
	"github.com/netconform/netconform/harness/program"
	"github.com/netconform/netconform/harness/result"
	"github.com/netconform/netconform/harness/runner"
	"github.com/netconform/netconform/harness/script"
)

// Unavailable reports every case of the implementation named im.Name as
// skipped, with why: an implementation this machine cannot run (a driver
// that did not build, an interpreter that is not installed) is a row of
// the report that says why, not a row that is missing. Only im's name,
// description and capabilities are used.
func Unavailable(t *testing.T, im harness.Impl, why string) *Results {
	t.Helper()
	return runCasesOr(t, im, nil, why)
}

// UnavailableProgram is Unavailable for a program (RunProgram).
func UnavailableProgram(t *testing.T, spec program.Spec, why string) *Results {
	t.Helper()
	return runCasesOr(t, program.Impl(spec), programStartOrder(ProgramCases(spec.Kind)), why)
}

// skipAll reports each case and role as skipped for why.
func skipAll(t *testing.T, rn *runner.Runner, im *harness.Impl, cases []*script.Case, col *collector, why string) {
	if _, _, _, child := rn.Child(); child {
		t.Skip(why)
	}
	col.announce(t, rn, im, cases)
	for _, c := range cases {
		roles := c.RolesFor(im)
		for _, role := range roles {
			res := &result.Result{
				Impl: im.Name, Case: c.ID, Role: role, Area: c.Area(), Level: c.Level,
				Spec: c.Spec, Catalogue: c.Catalogue, Needs: c.Needs.List(),
				Outcome: result.Skip, Reason: why,
			}
			name := c.ID
			if len(roles) > 1 {
				name += "/" + string(role)
			}
			t.Run(name, func(t *testing.T) { col.report(t, res) })
		}
	}
}
