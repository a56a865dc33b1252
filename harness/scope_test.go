package harness

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestCaseValueInitMayRegisterCleanups: init runs without the scope's lock,
// so it can call CaseCleanup, and concurrent callers share one init.
func TestCaseValueInitMayRegisterCleanups(t *testing.T) {
	s := &scope{}
	ctx := withScope(context.Background(), s)
	inits, cleaned := 0, 0
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, err := CaseValue(ctx, "k", func() (int, error) {
				inits++
				require.True(t, CaseCleanup(ctx, func() { cleaned++ }))
				return 42, nil
			})
			require.NoError(t, err)
			require.Equal(t, 42, v)
		}()
	}
	wg.Wait()
	require.Equal(t, 1, inits)
	s.close()
	require.Equal(t, 1, cleaned)
}
