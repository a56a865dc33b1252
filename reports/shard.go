package main

import (
	"cmp"
	"errors"
	"flag"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/netconform/netconform/harness/result"
)

// Sharding splits one report's work across machines: `-shard i/n` runs the
// i-th of n parts, and `-merge a.json b.json …` (merge.go) builds the one
// report from the parts' report.json files.
//
// The parts are dealt from what the filters select, the same on every
// shard (the same checkout, flags and test binaries), so that the n parts
// are disjoint and together complete:
//   - with at least n implementations, whole implementations, the largest
//     (most cases) first, each to the part with the fewest cases so far
//     (ties: the lowest part, then the name): an implementation's leak
//     checks then see all its cases, as in a run that is not sharded;
//   - with fewer, every implementation on each part, its cases (sorted by
//     ID) dealt in turn: case k of the m-th implementation to part
//     (k+m) mod n. A part's test process runs only its cases (through
//     result.EnvCases, an exact list); an after-all check (the leak cases)
//     then sees the cases of its own part only.
type shardOptions struct {
	spec  string // -shard as given
	i, n  int    // part i (from 1) of n; n is 0 when not sharding
	merge bool
	files []string // -merge's report.json files

	// cases maps an implementation to the NETCONFORM_CASES of its cases
	// in this part, when its cases are split; absent, it runs whole.
	cases map[string]string
}

func addShardFlags(fs *flag.FlagSet, s *shardOptions) {
	fs.StringVar(&s.spec, "shard", "", "run part `i/n` of the work (1 ≤ i ≤ n), for n machines; -merge joins the parts' reports")
	fs.BoolVar(&s.merge, "merge", false, "build one report from the report.json files given as arguments (the parts of a -shard run) instead of running")
}

// parseShard checks the shard flags, and takes -merge's files (flags may
// follow them).
func parseShard(fs *flag.FlagSet, o *options) error {
	s := &o.shard
	for s.merge && fs.NArg() > 0 {
		s.files = append(s.files, fs.Arg(0))
		if err := fs.Parse(fs.Args()[1:]); err != nil {
			return usageError{err}
		}
	}
	if s.merge {
		switch {
		case len(s.files) == 0:
			return usageError{errors.New("-merge needs the report.json files to merge")}
		case s.spec != "" || len(o.from) > 0 || len(o.pkgs) > 0:
			return usageError{errors.New("-merge runs nothing: it cannot be combined with -shard, -from, -pkg or a program flag")}
		}
	}
	if s.spec == "" {
		return nil
	}
	a, b, ok := strings.Cut(s.spec, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 1 || i > n {
		return usageError{fmt.Errorf("-shard %q: want i/n with 1 ≤ i ≤ n, such as 2/3", s.spec)}
	}
	if len(o.from) > 0 {
		return usageError{errors.New("-shard splits a run: it cannot be combined with -from")}
	}
	s.i, s.n = i, n
	return nil
}

// shardJobs keeps this part's jobs (all of them when not sharding),
// by the cases each listed (listImpls).
func shardJobs(o *options, jobs []job) ([]job, error) {
	s := &o.shard
	if s.n == 0 {
		return jobs, nil
	}
	cases := map[string][]string{}
	for _, j := range jobs {
		cases[j.name] = j.cases
	}
	var names []string
	for _, j := range jobs {
		names = append(names, j.name)
	}
	whole, split := deal(names, cases, s.i, s.n)
	s.cases = split
	var out []job
	for _, j := range jobs {
		if re, ok := split[j.name]; ok {
			// Its listed cases become its part's, which the phases split.
			rx := regexp.MustCompile(re)
			j.cases = slices.DeleteFunc(slices.Clone(j.cases), func(id string) bool { return !rx.MatchString(id) })
		}
		if _, ok := split[j.name]; whole[j.name] || ok {
			out = append(out, j)
		}
	}
	return out, nil
}

// deal is the sharding rule (see shardOptions): the implementations part
// i of n runs whole, and those whose cases it splits, with the exact
// NETCONFORM_CASES of its cases.
func deal(names []string, cases map[string][]string, i, n int) (whole map[string]bool, split map[string]string) {
	names = slices.Clone(names)
	slices.Sort(names)
	whole, split = map[string]bool{}, map[string]string{}
	if len(names) >= n {
		load := make([]int, n)
		slices.SortStableFunc(names, func(a, b string) int { return cmp.Compare(len(cases[b]), len(cases[a])) })
		for _, name := range names {
			part := 0
			for p := range load {
				if load[p] < load[part] {
					part = p
				}
			}
			load[part] += len(cases[name])
			if part == i-1 {
				whole[name] = true
			}
		}
		return whole, split
	}
	for m, name := range names {
		ids := slices.Clone(cases[name])
		slices.Sort(ids)
		if len(ids) == 0 {
			if m%n == i-1 {
				whole[name] = true
			}
			continue
		}
		var mine []string
		for k, id := range ids {
			if (k+m)%n == i-1 {
				mine = append(mine, regexp.QuoteMeta(id))
			}
		}
		if len(mine) > 0 {
			split[name] = "^(?:" + strings.Join(mine, "|") + ")$"
		}
	}
	return whole, split
}

// env is what the test process of implementation name is given beyond
// childEnv: its part's cases, when its cases are split.
func (s *shardOptions) env(name string) []string {
	if re, ok := s.cases[name]; ok {
		return []string{result.EnvCases + "=" + re}
	}
	return nil
}
