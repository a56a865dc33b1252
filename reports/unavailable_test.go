package main

import (
	"strings"
	"testing"

	"github.com/netconform/netconform/harness/result"
)

func TestSayUnavailable(t *testing.T) {
	rs := []result.Result{
		{Impl: "driver-c", Case: "a", Outcome: result.Skip, Reason: "no libcjson"},
		{Impl: "driver-c", Case: "b", Outcome: result.Skip, Reason: "no libcjson"},
		{Impl: "std-tcp", Case: "a", Outcome: result.Pass},
		{Impl: "std-tcp", Case: "b", Outcome: result.Skip, Reason: "needs root"},
		{Impl: "odd", Case: "a", Outcome: result.Skip, Reason: "x"},
		{Impl: "odd", Case: "b", Outcome: result.Skip, Reason: "y"},
	}
	var b strings.Builder
	sayUnavailable(&b, rs)
	want := "reports: driver-c cannot run on this machine, every case skipped: no libcjson\n"
	if b.String() != want {
		t.Errorf("sayUnavailable printed %q, want %q", b.String(), want)
	}
}
