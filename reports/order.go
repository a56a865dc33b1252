package main

import (
	"cmp"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"time"
)

// longestFirst orders jobs so that the longest start first and the short
// ones fill the gaps at the end: by each implementation's wall time in an
// earlier report (-compare's, else the committed one) and, for one it has
// not seen, by its number of cases (at casesCost each). The order of
// equals is kept.
func longestFirst(o *options, jobs []job) []job {
	walls := earlierWalls(o.compare)
	cost := func(j job) time.Duration {
		if w, ok := walls[j.name]; ok {
			return w
		}
		return time.Duration(len(j.cases)) * casesCost
	}
	out := slices.Clone(jobs)
	slices.SortStableFunc(out, func(a, b job) int { return cmp.Compare(cost(b), cost(a)) })
	return out
}

// casesCost is what a case of an implementation not in the earlier report
// is counted as.
const casesCost = 100 * time.Millisecond

// earlierWalls reads the implementations' wall times of an earlier
// report.json: path, or the committed reports/latest; none when there is
// no such file or it has no wall times.
func earlierWalls(path string) map[string]time.Duration {
	if path == "" {
		_, file, _, _ := runtime.Caller(0)
		path = filepath.Join(filepath.Dir(file), "latest", "report.json")
	}
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	// Only the impls list is read, as a stream: the results that follow it
	// in report.json (megabytes) are never loaded.
	var impls []struct {
		Name string        `json:"name"`
		Wall time.Duration `json:"wall"`
	}
	dec := json.NewDecoder(f)
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil
	}
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return nil
		}
		if key == "impls" {
			if dec.Decode(&impls) != nil {
				return nil
			}
			break
		}
		var skip json.RawMessage
		if dec.Decode(&skip) != nil {
			return nil
		}
	}
	walls := map[string]time.Duration{}
	for _, im := range impls {
		if im.Wall > 0 {
			walls[im.Name] = im.Wall
		}
	}
	return walls
}
