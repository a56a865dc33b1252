package runner

import (
	"testing"
	"time"
)

// TestLimiterSlotsAtOnce: a child process that runs n cases takes n slots
// at once; a waiter that asks for more than are free is not passed by
// later, smaller ones, and gets its slots once enough are given back.
func TestLimiterSlotsAtOnce(t *testing.T) {
	l := newLimiter(4)
	release3 := l.acquireN(0, 3)
	got := make(chan string, 2)
	go func() { defer l.acquireN(0, 2)(); got <- "two" }()
	waitQueued(t, &l, 1)
	go func() { defer l.acquireN(0, 1)(); got <- "one" }() // one slot is free, but "two" asked first
	waitQueued(t, &l, 2)
	select {
	case g := <-got:
		t.Fatalf("%s ran while 3 of 4 slots were held and the first waiter wants 2", g)
	case <-time.After(50 * time.Millisecond):
	}
	release3()
	first, second := <-got, <-got
	if first != "two" && second != "two" {
		t.Fatalf("got %s then %s", first, second)
	}
	if l.acquireN(0, 99)(); l.free != 4 {
		t.Fatalf("%d slots free after everything was given back, want 4", l.free)
	}
}

// waitQueued waits until n waiters are queued.
func waitQueued(t *testing.T, l *limiter, n int) {
	t.Helper()
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(time.Millisecond) {
		l.mu.Lock()
		q := len(l.queue)
		l.mu.Unlock()
		if q == n {
			return
		}
	}
	t.Fatalf("%d waiters never queued", n)
}
