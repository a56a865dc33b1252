package suite

import (
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
