// Package scope holds the per-case resources implementations attach to the
// context they receive (a driver process, a multiplexer session): values
// made once per case, cleanups run when the case ends, and evidence
// gathered once it has been torn down. The engine makes one Scope per case
// attempt; the harness package's CaseValue, CaseCleanup and CaseEvidence
// reach it through the context.
package scope

import (
	"context"
	"strings"
	"sync"
)

// A Scope is one case attempt's resources.
type Scope struct {
	mu       sync.Mutex
	cleanups []func()
	values   map[any]*value
	evidence []func() string
}

// value is one CaseValue, made once.
type value struct {
	once sync.Once
	v    any
	err  error
}

type key struct{}

// With returns ctx carrying s.
func With(ctx context.Context, s *Scope) context.Context { return context.WithValue(ctx, key{}, s) }

// From returns the scope ctx carries, or nil.
func From(ctx context.Context) *Scope {
	s, _ := ctx.Value(key{}).(*Scope)
	return s
}

// AddCleanup registers f to run at Close.
func (s *Scope) AddCleanup(f func()) {
	s.mu.Lock()
	s.cleanups = append(s.cleanups, f)
	s.mu.Unlock()
}

// AddEvidence registers f to run at Evidence.
func (s *Scope) AddEvidence(f func() string) {
	s.mu.Lock()
	s.evidence = append(s.evidence, f)
	s.mu.Unlock()
}

// Value returns the value stored under k, made by init on first use;
// concurrent callers wait for that one init, which runs without the
// scope's lock (so it may register cleanups).
func (s *Scope) Value(k any, init func() (any, error)) (any, error) {
	s.mu.Lock()
	if s.values == nil {
		s.values = map[any]*value{}
	}
	e, ok := s.values[k]
	if !ok {
		e = &value{}
		s.values[k] = e
	}
	s.mu.Unlock()
	e.once.Do(func() { e.v, e.err = init() })
	return e.v, e.err
}

// Close runs the cleanups, last registered first.
func (s *Scope) Close() {
	s.mu.Lock()
	fs := s.cleanups
	s.cleanups = nil
	s.mu.Unlock()
	for i := len(fs) - 1; i >= 0; i-- {
		fs[i]()
	}
}

// Evidence runs the evidence providers, in registration order, and joins
// what they return.
func (s *Scope) Evidence() string {
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
