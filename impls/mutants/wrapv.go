package mutants

import "fmt"

// WrapsWithV is the wrapper of a user who adds context to every error
// with fmt.Errorf("wrap: %v", err) instead of %w: each error keeps its
// text and loses its identity (io.EOF, net.ErrClosed,
// os.ErrDeadlineExceeded, the errno). It is not in the catalogue (All): it
// measures how a run names the root cause of one bug behind many failures
// (see rootcause_test.go).
func WrapsWithV() Mutant {
	b := &bug{
		name: "wraps-with-v",
		what: `every error is re-made with fmt.Errorf("wrap: %v", err): its text stays, its identity is lost`,
		seen: "adapters that add context with %v instead of %w",
		errs: func(err error) error { return fmt.Errorf("wrap: %v", err) },
	}
	return Mutant{Impl: b.impl(), Bug: b.what, Seen: b.seen}
}
