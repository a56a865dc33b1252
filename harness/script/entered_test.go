package script

import (
	"context"
	"testing"
	"time"

	"github.com/netconform/netconform/harness/internal/engine"
	"github.com/netconform/netconform/harness/result"
)

// waitEntered: StillBlocked's settle counts from when the background
// call began to run. A call whose goroutine has not begun within
// enterBound is reported as not begun (the step is then inconclusive,
// never "blocked"); one that began, at once or late, is waited for.
func TestWaitEntered(t *testing.T) {
	a := engine.NewAttempt(context.Background(), engine.Env{}, engine.Clock{Start: time.Now(), Scale: 0.05, Attempt: 1, Watchdog: 1}, &result.Result{}, time.Minute)
	never := make(chan struct{})
	began := time.Now()
	if waitEntered(a, &engine.Pending{Entered: never}) {
		t.Fatal("waitEntered(a call that never began) = true, want false")
	}
	if took := time.Since(began); took < a.Clock.Scaled(enterBound) {
		t.Errorf("waitEntered gave up after %v, before its bound %v", took, a.Clock.Scaled(enterBound))
	}
	late := make(chan struct{})
	time.AfterFunc(10*time.Millisecond, func() { close(late) })
	if !waitEntered(a, &engine.Pending{Entered: late}) {
		t.Error("waitEntered(a call that began 10ms late) = false, want true")
	}
	if !waitEntered(a, &engine.Pending{}) {
		t.Error("waitEntered(a Pending not started by Go) = false, want true")
	}
}
