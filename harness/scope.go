package harness

import (
	"context"

	"github.com/netconform/netconform/harness/internal/scope"
)

// CaseValue returns the value stored under key for the current case,
// creating it with init on first use; concurrent callers wait for that one
// init. Implementations use it to share one resource among the endpoints
// of a case (one driver process, one SSH tunnel, one netstack per case).
// init may call CaseCleanup. Outside a case, init runs every time.
func CaseValue[T any](ctx context.Context, key any, init func() (T, error)) (T, error) {
	s := scope.From(ctx)
	if s == nil {
		return init()
	}
	v, err := s.Value(key, func() (any, error) { return init() })
	if err != nil {
		var zero T
		return zero, err
	}
	return v.(T), nil
}

// CaseCleanup registers f to run when the current case ends, after its
// endpoints are closed. It reports false (and does nothing) when ctx does
// not belong to a case.
func CaseCleanup(ctx context.Context, f func()) bool {
	s := scope.From(ctx)
	if s == nil {
		return false
	}
	s.AddCleanup(f)
	return true
}

// CaseEvidence registers f to run once the current case has been torn
// down (after the cleanups); what it returns is attached to the result as
// evidence when the case does not pass: a driver's stderr, a server's log.
// It reports false when ctx does not belong to a case.
func CaseEvidence(ctx context.Context, f func() string) bool {
	s := scope.From(ctx)
	if s == nil {
		return false
	}
	s.AddEvidence(f)
	return true
}
