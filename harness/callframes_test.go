package harness

import (
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestCallFramesNameTheCallGoroutines: each name CallFrames returns is in
// the stack of a goroutine the harness started for a call that is still
// blocked, so leak checks recognise them.
func TestCallFramesNameTheCallGoroutines(t *testing.T) {
	block := make(chan struct{})
	var f inflight
	f.start("blocked call", func() callResult { <-block; return callResult{} })
	go f.wait(time.Minute)
	x := &X{r: &run{}}
	x.Go(func() { <-block })
	defer close(block)

	buf := make([]byte, 1<<20)
	require.Eventually(t, func() bool {
		stacks := string(buf[:runtime.Stack(buf, true)])
		for _, fn := range CallFrames() {
			if !strings.Contains(stacks, fn+"(") {
				return false
			}
		}
		return true
	}, 5*time.Second, 10*time.Millisecond, "every CallFrames name in the goroutine stacks: %q", CallFrames())
}
