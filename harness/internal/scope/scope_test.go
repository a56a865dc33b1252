package scope

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestValueInitMayRegisterCleanups: init runs without the scope's lock, so
// it can register cleanups, and concurrent callers share one init.
func TestValueInitMayRegisterCleanups(t *testing.T) {
	s := &Scope{}
	ctx := With(context.Background(), s)
	inits, cleaned := 0, 0
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, err := From(ctx).Value("k", func() (any, error) {
				inits++
				From(ctx).AddCleanup(func() { cleaned++ })
				return 42, nil
			})
			require.NoError(t, err)
			require.Equal(t, 42, v)
		}()
	}
	wg.Wait()
	require.Equal(t, 1, inits)
	s.Close()
	require.Equal(t, 1, cleaned)
}

// TestEvidenceInOrder: evidence providers run in registration order, empty
// ones are dropped.
func TestEvidenceInOrder(t *testing.T) {
	s := &Scope{}
	s.AddEvidence(func() string { return "first\n" })
	s.AddEvidence(func() string { return "" })
	s.AddEvidence(func() string { return "second" })
	require.Equal(t, "first\nsecond\n", s.Evidence())
	require.Nil(t, From(context.Background()))
}
