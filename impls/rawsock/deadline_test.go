package rawsock

import (
	"testing"
	"time"
)

// TestClearedDeadlineNeverFires: clearing a deadline just as its timer
// fires must leave it unexpired. The timer's callback may already be
// running (waiting for the lock) when set clears it; before deadlines had
// generations, that callback closed the channel after the clear — found by
// conn.methods.concurrent under load.
func TestClearedDeadlineNeverFires(t *testing.T) {
	ds := make([]*deadline, 3000)
	for i := range ds {
		ds[i] = newDeadline()
		ds[i].set(time.Now().Add(time.Duration(i%40) * time.Microsecond))
		time.Sleep(time.Duration(i%3) * time.Microsecond)
		ds[i].set(time.Time{})
	}
	time.Sleep(20 * time.Millisecond)
	fired := 0
	for _, d := range ds {
		if d.expired() {
			fired++
		}
	}
	if fired > 0 {
		t.Fatalf("%d of %d cleared deadlines expired", fired, len(ds))
	}
}
