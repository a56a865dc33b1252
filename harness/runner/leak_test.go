package runner

import (
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/netconform/netconform/harness/explore"
	"github.com/netconform/netconform/harness/internal/engine"
	"github.com/netconform/netconform/harness/script"
)

// TestCallFramesNameTheCallGoroutines: each name CallFrames returns is in
// the stack of a goroutine the harness started for a call that is still
// blocked, so leak checks recognise them.
func TestCallFramesNameTheCallGoroutines(t *testing.T) {
	block := make(chan struct{})
	var f engine.Calls
	f.Start("blocked call", func() engine.Ret { <-block; return engine.Ret{} })
	go f.Wait(time.Minute)
	var x script.X
	x.Go(func() { <-block })
	defer close(block)

	buf := make([]byte, 1<<20)
	require.Eventually(t, func() bool {
		stacks := string(buf[:runtime.Stack(buf, true)])
		for _, fn := range CallFrames() {
			if slices.Contains(explore.CallFrames(), fn) {
				continue // the explorer's own test starts its calls (explore.TestCallFrames)
			}
			if !strings.Contains(stacks, fn+"(") {
				return false
			}
		}
		return true
	}, 5*time.Second, 10*time.Millisecond, "every CallFrames name in the goroutine stacks: %q", CallFrames())
	for _, fn := range explore.CallFrames() {
		require.Contains(t, CallFrames(), fn, "the explorer's call goroutines are the harness's too")
	}
}
