package harness_test

import (
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/netconform/netconform"

// packages lists the packages matching patterns with their direct imports.
func packages(t *testing.T, patterns ...string) map[string][]string {
	t.Helper()
	args := append([]string{"list", "-f", `{{.ImportPath}} {{join .Imports " "}}`}, patterns...)
	out, err := exec.Command("go", args...).Output()
	if err != nil {
		t.Fatalf("go list %v: %v", patterns, err)
	}
	m := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		if len(f) > 0 {
			m[f[0]] = f[1:]
		}
	}
	return m
}

// deps lists every package pkg depends on, with its tests' when tests.
func deps(t *testing.T, pkg string, tests bool) []string {
	t.Helper()
	args := []string{"list", "-deps", "-f", "{{.ImportPath}}"}
	if tests {
		args = append(args, "-test")
	}
	args = append(args, pkg)
	out, err := exec.Command("go", args...).Output()
	if err != nil {
		t.Fatalf("go list -deps %s: %v", pkg, err)
	}
	return strings.Fields(string(out))
}

func under(pkg, tree string) bool {
	return pkg == module+tree || strings.HasPrefix(pkg, module+tree+"/")
}

// TestLayers enforces the one-way layers: suite → harness, impls/* →
// harness, the report command → events (harness/result) only; nothing
// imports upward, and the harness's own packages point one way too.
func TestLayers(t *testing.T) {
	rules := []struct {
		from   string   // a tree of packages
		may    []string // trees of this module it may depend on (transitively); nil: no rule
		mayNot []string // trees it must not depend on
	}{
		{from: "/harness", mayNot: []string{"/suite", "/impls", "/reports"}},
		{from: "/suite", mayNot: []string{"/reports"}},
		{from: "/reports", may: []string{"/reports", "/harness/result", "/harness/errclass", "/harness/proc", "/harness/program", "/harness/sysobs", "/harness", "/harness/internal/scope"}},
		{from: "/harness/result", may: []string{"/harness/result", "/harness/errclass", "/harness/sysobs", "/harness", "/harness/internal/scope"}},
		{from: "/harness/errclass", may: []string{"/harness/errclass", "/harness/sysobs"}},
		{from: "/harness/script", mayNot: []string{"/harness/runner"}},
		{from: "/harness/internal/engine", mayNot: []string{"/harness/script", "/harness/runner"}},
	}
	for _, r := range rules {
		for pkg := range packages(t, module+r.from+"/...") {
			for _, d := range deps(t, pkg, true) {
				if !strings.HasPrefix(d, module) || d == pkg || strings.HasSuffix(d, ".test") || strings.HasSuffix(d, "_test") {
					continue
				}
				if r.may != nil && !slices.ContainsFunc(r.may, func(tree string) bool {
					return tree == "/harness" && d == module+"/harness" || tree != "/harness" && under(d, tree)
				}) {
					t.Errorf("%s depends on %s; %s may depend on %v only", pkg, d, r.from, r.may)
				}
				for _, bad := range r.mayNot {
					if under(d, bad) {
						t.Errorf("%s depends on %s; %s must not depend on %s", pkg, d, r.from, bad)
					}
				}
			}
		}
	}
}

// TestPlugInPackageIsSmall: the package an implementation author touches
// imports nothing of the module but the scope behind CaseValue.
func TestPlugInPackageIsSmall(t *testing.T) {
	for _, imp := range packages(t, module+"/harness")[module+"/harness"] {
		if strings.HasPrefix(imp, module) && imp != module+"/harness/internal/scope" {
			t.Errorf("harness imports %s; the plug-in package stands on the standard library", imp)
		}
	}
}

// TestOnlySysobsImportsXSys keeps every use of golang.org/x/sys behind the
// one small platform package.
func TestOnlySysobsImportsXSys(t *testing.T) {
	for pkg, imps := range packages(t, module+"/harness/...", module+"/suite/...", module+"/reports/...") {
		if pkg == module+"/harness/sysobs" {
			continue
		}
		for _, imp := range imps {
			if strings.HasPrefix(imp, "golang.org/x/sys") {
				t.Errorf("%s imports %s; only harness/sysobs may", pkg, imp)
			}
		}
	}
}

// TestCaseFilesSpeakTheCaseLanguage: the suite's case tables (one file
// per area) import the case language and the standard library only.
func TestCaseFilesSpeakTheCaseLanguage(t *testing.T) {
	files, err := filepath.Glob("../suite/*.go")
	if err != nil {
		t.Fatal(err)
	}
	engine := map[string]bool{"run.go": true, "events.go": true, "suite.go": true, "leak.go": true, "explore.go": true, "program_run.go": true, "unavailable.go": true, "scale.go": true}
	for _, f := range files {
		base := filepath.Base(f)
		if strings.HasSuffix(base, "_test.go") || engine[base] {
			continue
		}
		out, err := exec.Command("go", "list", "-f", `{{join .Imports " "}}`, f).Output()
		if err != nil {
			t.Fatalf("go list %s: %v", f, err)
		}
		for _, imp := range strings.Fields(string(out)) {
			if strings.Contains(imp, ".") && imp != module+"/harness/script" {
				t.Errorf("case file suite/%s imports %s; case files import %s/harness/script only", base, imp, module)
			}
		}
	}
}

// TestImplsDependOnHarnessOnly keeps the other direction: an adapter
// library (impls/...) builds on the harness, never on the suite or the
// report code. Commands (package main, like the driver smoke checker) may
// use the suite.
func TestImplsDependOnHarnessOnly(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.Name}} {{.ImportPath}}`, module+"/impls/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		name, pkg, _ := strings.Cut(line, " ")
		if name == "main" {
			continue
		}
		for _, dep := range deps(t, pkg, false) {
			for _, bad := range []string{"/suite", "/reports"} {
				if under(dep, bad) && !strings.HasSuffix(dep, ".test") {
					t.Errorf("%s depends on %s; adapters depend on the harness only", pkg, dep)
				}
			}
		}
	}
}
