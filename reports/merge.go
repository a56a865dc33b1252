package main

import (
	"fmt"
	"io"
	"maps"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/netconform/netconform/harness/result"
	"github.com/netconform/netconform/reports/render"
)

// shardFlag is the option that names a report's part (shard.go).
const shardFlag = "-shard="

// selectionFlags are the options that choose what a run checks and how it
// judges it: the parts of one report agree on them. Other options (-jobs,
// -budget, -compare) only say how a part ran, and may differ.
var selectionFlags = []string{"-run", "-area", "-impl", "-pkg", "-explore", "-timescale", "-stable",
	"-server", "-udp-server", "-client", "-conv", "-name", "-port"}

// merge reads the report.json files of the parts of one run (-merge) and
// returns what the merged report is built from: the implementations (one
// split across parts merged into one: its planned results, leaks and
// evidence joined, its wall time the sum of its parts'), every result, the
// run as the first part describes it, the earliest part's start, and the
// parts' options less -shard.
//
// It refuses parts that overlap (the same result twice, but for the rows
// of render.ProcessCase, which say what each part's process did and are
// joined; the same part twice), that are incomplete (a part of n missing) or that are not of
// one run (different case catalogues, selections or implementations); a
// different tool version, Go version, kernel or machine is a warning.
func merge(paths []string, stderr io.Writer) ([]render.ImplInfo, []result.Result, *result.RunInfo, time.Time, []string, error) {
	var reps []*render.Report
	for _, p := range paths {
		r, err := loadReport(p)
		if err != nil {
			return nil, nil, nil, time.Time{}, nil, err
		}
		reps = append(reps, r)
	}
	if err := checkParts(paths, reps); err != nil {
		return nil, nil, nil, time.Time{}, nil, err
	}
	first := &reps[0].Header
	for k, r := range reps[1:] {
		h := &r.Header
		for _, d := range []struct{ what, a, b string }{
			{"tool version", first.ToolVersion, h.ToolVersion}, {"Go version", first.GoVersion, h.GoVersion},
			{"kernel", first.Kernel, h.Kernel}, {"platform", first.GOOS + "/" + first.GOARCH, h.GOOS + "/" + h.GOARCH},
		} {
			if d.a != d.b {
				fmt.Fprintf(stderr, "reports: warning: %s ran on %s %s, %s on %s: the merged report names the first\n", paths[k+1], d.what, d.b, paths[0], d.a)
			}
		}
	}
	var impls []render.ImplInfo
	var results []result.Result
	where := map[string]string{} // result key → the file it is in
	byName := map[string]int{}
	started := time.Time{}
	for k, r := range reps {
		if s := r.Header.Started; !s.IsZero() && (started.IsZero() || s.Before(started)) {
			started = s
		}
		for _, res := range r.Results {
			key := res.Key()
			prev, ok := where[key]
			switch {
			case ok && res.Case == render.ProcessCase:
				// Each part of a split implementation runs a process of its
				// own, which may end badly: one row says what each did.
				i := slices.IndexFunc(results, func(x result.Result) bool { return x.Key() == key })
				row := &results[i]
				row.Reason = result.Cut(row.Reason+"; "+res.Reason, result.MaxText)
				row.Evidence = result.Cut(row.Evidence+"\n"+res.Evidence, result.MaxEvidence)
				continue
			case ok:
				return nil, nil, nil, time.Time{}, nil, fmt.Errorf("%s and %s both have a result for %s: the parts overlap", prev, paths[k], key)
			}
			where[key] = paths[k]
			results = append(results, res)
		}
		for _, im := range r.Impls {
			i, ok := byName[im.Name]
			if !ok {
				byName[im.Name] = len(impls)
				impls = append(impls, im)
				continue
			}
			if err := joinImpl(&impls[i], im); err != nil {
				return nil, nil, nil, time.Time{}, nil, fmt.Errorf("%s: %v", paths[k], err)
			}
		}
	}
	info := &result.RunInfo{ToolVersion: first.ToolVersion, CatalogueHash: first.CatalogueHash, GoVersion: first.GoVersion,
		GOOS: first.GOOS, GOARCH: first.GOARCH, Kernel: first.Kernel, Timescale: first.Timescale}
	opts := []string{}
	for _, o := range first.Options {
		if !strings.HasPrefix(o, shardFlag) {
			opts = append(opts, o)
		}
	}
	return impls, results, info, started, opts, nil
}

// checkParts refuses reports that are not the parts of one run: their
// catalogues and selections must agree, and when any is a part (-shard
// i/n), each must be, each part of the same n once.
func checkParts(paths []string, reps []*render.Report) error {
	first := reps[0].Header
	sel := func(h render.Header) []string { return keep(h.Options, selectionFlags) }
	parts := map[int]string{} // part → its file
	n := 0
	whole := "" // a report that is not a part
	for k, r := range reps {
		h := r.Header
		if h.CatalogueHash != first.CatalogueHash {
			return fmt.Errorf("%s and %s ran different case catalogues (%.12s, %.12s): not parts of one run", paths[0], paths[k], first.CatalogueHash, h.CatalogueHash)
		}
		if a, b := sel(first), sel(h); !slices.Equal(a, b) {
			return fmt.Errorf("%s selected %q, %s %q: not parts of one run", paths[0], a, paths[k], b)
		}
		spec := keep(h.Options, []string{"-shard"})
		if len(spec) == 0 {
			whole = paths[k]
			continue
		}
		var i, m int
		if _, err := fmt.Sscanf(strings.TrimPrefix(spec[0], shardFlag), "%d/%d", &i, &m); err != nil || i < 1 || i > m {
			return fmt.Errorf("%s: option %s is not a part i/n", paths[k], spec[0])
		}
		if n != 0 && m != n {
			return fmt.Errorf("%s is part %d/%d, but an earlier file is a part of %d: not parts of one run", paths[k], i, m, n)
		}
		n = m
		if prev, ok := parts[i]; ok {
			return fmt.Errorf("%s and %s are both part %d/%d", prev, paths[k], i, n)
		}
		parts[i] = paths[k]
	}
	if n == 0 {
		return nil
	}
	if whole != "" {
		return fmt.Errorf("%s is not a part (it ran without -shard) but %s is", whole, parts[slices.Sorted(maps.Keys(parts))[0]])
	}
	var missing []string
	for i := 1; i <= n; i++ {
		if _, ok := parts[i]; !ok {
			missing = append(missing, fmt.Sprintf("%d/%d", i, n))
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("part %s missing: the merged report would lack its results", strings.Join(missing, ", "))
	}
	return nil
}

// joinImpl merges the description of an implementation split across
// parts: what describes it must be the same in each.
func joinImpl(into *render.ImplInfo, im render.ImplInfo) error {
	a, b := *into, im
	for _, x := range []*render.ImplInfo{&a, &b} {
		x.Planned, x.Evidence, x.Leaks, x.Wall = nil, "", nil, 0
	}
	if !reflect.DeepEqual(a, b) {
		return fmt.Errorf("implementation %s is described differently than in an earlier part (its version, capabilities or known divergences): not parts of one run", im.Name)
	}
	into.Planned = append(into.Planned, im.Planned...)
	into.Leaks = append(into.Leaks, im.Leaks...)
	into.Wall += im.Wall
	if im.Evidence != "" {
		into.Evidence = strings.TrimPrefix(into.Evidence+"\n"+im.Evidence, "\n")
	}
	return nil
}

// keep returns the options of the given flags.
func keep(options, flags []string) []string {
	var out []string
	for _, o := range options {
		name, _, _ := strings.Cut(o, "=")
		if slices.Contains(flags, name) {
			out = append(out, o)
		}
	}
	return out
}
