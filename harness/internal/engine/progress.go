package engine

import (
	"sync/atomic"
	"time"
)

// Progress records when a call last moved bytes. A watchdog given one
// measures its budget from the last progress, not from the start: a slow
// transfer that keeps moving bytes (a driver process under the race
// detector on a loaded machine) is not a hang; one that stops is, a whole
// budget after it stopped. The case's own budget still bounds both. A nil
// *Progress never records anything.
type Progress struct{ last atomic.Int64 }

// Moved records that the call moved bytes now.
func (p *Progress) Moved() {
	if p != nil {
		p.last.Store(time.Now().UnixNano())
	}
}

// idle is how long ago the call last moved bytes, or since start.
func (p *Progress) idle(start time.Time) time.Duration {
	if p != nil {
		if n := p.last.Load(); n != 0 && time.Unix(0, n).After(start) {
			return time.Since(time.Unix(0, n))
		}
	}
	return time.Since(start)
}

// Last is when the call last moved bytes, or start when it has not since.
func (p *Progress) Last(start time.Time) time.Time { return time.Now().Add(-p.idle(start)) }

// AwaitProgress waits for ch until budget has passed without progress
// since start, or done is closed (nil: never).
func AwaitProgress(done <-chan struct{}, ch <-chan Ret, start time.Time, budget time.Duration, p *Progress) (Ret, bool) {
	t := time.NewTimer(max(budget-time.Since(start), 0))
	defer t.Stop()
	for {
		select {
		case r := <-ch:
			return r, true
		case <-done:
			return Ret{}, false
		case <-t.C:
			idle := p.idle(start)
			if idle >= budget {
				return Ret{}, false
			}
			t.Reset(budget - idle)
		}
	}
}
