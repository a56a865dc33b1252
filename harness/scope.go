package harness

import (
	"context"
	"strings"
	"sync"
)

// A scope holds per-case resources that implementations attach to the
// context they receive: a driver process, a multiplexer session.
type scope struct {
	mu       sync.Mutex
	cleanups []func()
	values   map[any]*scopeValue
	evidence []func() string
}

// scopeValue is one CaseValue, made once.
type scopeValue struct {
	once sync.Once
	v    any
	err  error
}

type scopeKey struct{}

func withScope(ctx context.Context, s *scope) context.Context {
	return context.WithValue(ctx, scopeKey{}, s)
}

// CaseCleanup registers f to run when the current case ends, after its
// endpoints are closed. It reports false (and does nothing) when ctx does
// not belong to a case.
func CaseCleanup(ctx context.Context, f func()) bool {
	s, ok := ctx.Value(scopeKey{}).(*scope)
	if !ok {
		return false
	}
	s.mu.Lock()
	s.cleanups = append(s.cleanups, f)
	s.mu.Unlock()
	return true
}

// CaseEvidence registers f to run once the current case has been torn
// down (after the cleanups); what it returns is attached to the result as
// evidence when the case does not pass: a driver's stderr, a server's log.
// It reports false when ctx does not belong to a case.
func CaseEvidence(ctx context.Context, f func() string) bool {
	s, ok := ctx.Value(scopeKey{}).(*scope)
	if !ok {
		return false
	}
	s.mu.Lock()
	s.evidence = append(s.evidence, f)
	s.mu.Unlock()
	return true
}

// collectEvidence runs the evidence providers, in registration order.
func (s *scope) collectEvidence() string {
	s.mu.Lock()
	fs := s.evidence
	s.mu.Unlock()
	var b strings.Builder
	for _, f := range fs {
		if e := strings.TrimRight(f(), "\n"); e != "" {
			b.WriteString(e + "\n")
		}
	}
	return b.String()
}

// CaseValue returns the value stored under key for the current case,
// creating it with init on first use; concurrent callers wait for that one
// init. Implementations use it to share one resource among the endpoints
// of a case (one driver process, one SSH tunnel, one netstack per case).
// init may call CaseCleanup. Outside a case, init runs every time.
func CaseValue[T any](ctx context.Context, key any, init func() (T, error)) (T, error) {
	s, ok := ctx.Value(scopeKey{}).(*scope)
	if !ok {
		return init()
	}
	s.mu.Lock()
	if s.values == nil {
		s.values = map[any]*scopeValue{}
	}
	e, ok := s.values[key]
	if !ok {
		e = &scopeValue{}
		s.values[key] = e
	}
	s.mu.Unlock()
	e.once.Do(func() { e.v, e.err = init() })
	if e.err != nil {
		var zero T
		return zero, e.err
	}
	return e.v.(T), nil
}

// close runs the cleanups, last registered first.
func (s *scope) close() {
	s.mu.Lock()
	fs := s.cleanups
	s.cleanups = nil
	s.mu.Unlock()
	for i := len(fs) - 1; i >= 0; i-- {
		fs[i]()
	}
}
