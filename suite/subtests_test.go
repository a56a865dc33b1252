package suite

import (
	"flag"
	"slices"
	"testing"
)

// TestPatternLevels: a -run pattern splits into levels as go test splits
// it, at slashes outside brackets and parentheses; it decides whether an
// implementation's cases may start before their subtests.
func TestPatternLevels(t *testing.T) {
	for _, tc := range []struct {
		pat  string
		want []string
	}{
		{"", nil},
		{"TestConformance", []string{"TestConformance"}},
		{"^TestConformance$/^std-tcp$", []string{"^TestConformance$", "^std-tcp$"}},
		{"Test/std-(tcp|udp)/eof", []string{"Test", "std-(tcp|udp)", "eof"}},
		{"Test/(a/b)", []string{"Test", "(a/b)"}},
		{`Test/[/]x/y`, []string{"Test", "[/]x", "y"}},
		{`Test/a\/b`, []string{"Test", `a\/b`}},
	} {
		if got := patternLevels(tc.pat); !slices.Equal(got, tc.want) {
			t.Errorf("patternLevels(%q) = %q, want %q", tc.pat, got, tc.want)
		}
	}
}

// TestFiltersBelow: -skip, or a -run pattern deeper than the level, may
// leave subtests below it unrun; a slash inside brackets is no level.
// (Not parallel: it sets go test's own flags for its duration.)
func TestFiltersBelow(t *testing.T) {
	set := func(name, v string) {
		old := flag.Lookup(name).Value.String()
		flag.Set(name, v)
		t.Cleanup(func() { flag.Set(name, old) })
	}
	for _, tc := range []struct {
		run, skip string
		level     int
		want      bool
	}{
		{"", "", 1, false},
		{"TestExamplePrograms", "", 1, false},
		{"TestExamplePrograms/seed-tcpserver", "", 2, false},
		{"TestExamplePrograms/seed-tcpserver", "", 1, true},
		{"TestExamplePrograms/.*/program.reset", "", 2, true},
		{"TestExamplePrograms/[a/b]", "", 2, false},
		{"TestExamplePrograms", "TestExamplePrograms/seed-tcpserver", 2, true},
	} {
		set("test.run", tc.run)
		set("test.skip", tc.skip)
		if got := FiltersBelow(tc.level); got != tc.want {
			t.Errorf("-run=%q -skip=%q: FiltersBelow(%d) = %v, want %v", tc.run, tc.skip, tc.level, got, tc.want)
		}
	}
}
