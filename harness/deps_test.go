package harness_test

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/netconform/netconform"

// TestHarnessHasNoUpwardImports enforces the dependency direction: suite →
// harness and impls/* → harness, never the other way, and the harness
// never imports the report generator.
func TestHarnessHasNoUpwardImports(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-test", "-f", "{{.ImportPath}}", module+"/harness/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, pkg := range strings.Fields(string(out)) {
		for _, bad := range []string{"/suite", "/impls", "/reports"} {
			if pkg == module+bad || strings.HasPrefix(pkg, module+bad+"/") {
				t.Errorf("harness depends on %s; harness must not import suite, impls or the report code", pkg)
			}
		}
	}
}

// TestOnlySysobsImportsXSys keeps every use of golang.org/x/sys behind the
// one small platform package.
func TestOnlySysobsImportsXSys(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Imports " "}}`, module+"/harness/...", module+"/suite/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || f[0] == module+"/harness/sysobs" {
			continue
		}
		for _, imp := range f[1:] {
			if strings.HasPrefix(imp, "golang.org/x/sys") {
				t.Errorf("%s imports %s; only harness/sysobs may", f[0], imp)
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
		deps, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", pkg).Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", pkg, err)
		}
		for _, dep := range strings.Fields(string(deps)) {
			for _, bad := range []string{"/suite", "/reports"} {
				if dep == module+bad || strings.HasPrefix(dep, module+bad+"/") {
					t.Errorf("%s depends on %s; adapters depend on the harness only", pkg, dep)
				}
			}
		}
	}
}
