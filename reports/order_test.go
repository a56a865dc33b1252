package main

import (
	"os"
	"path/filepath"
	"testing"
)

func TestLongestFirst(t *testing.T) {
	prev := filepath.Join(t.TempDir(), "report.json")
	if err := os.WriteFile(prev, []byte(`{"format":1,"impls":[{"name":"slow","wall":60000000000},{"name":"fast","wall":2000000000}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	jobs := []job{
		{name: "fast"},
		{name: "new-big", cases: make([]string, 300)}, // 30 s at casesCost
		{name: "slow"},
		{name: "new-small", cases: make([]string, 5)},
	}
	got := longestFirst(&options{compare: prev}, jobs)
	var names []string
	for _, j := range got {
		names = append(names, j.name)
	}
	want := []string{"slow", "new-big", "fast", "new-small"}
	for i := range want {
		if names[i] != want[i] {
			t.Fatalf("longestFirst = %v, want %v", names, want)
		}
	}
	if got := longestFirst(&options{compare: filepath.Join(t.TempDir(), "none.json")}, jobs); got[0].name != "new-big" {
		t.Errorf("without an earlier report, the most cases first: got %s first", got[0].name)
	}
}
