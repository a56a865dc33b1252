package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/netconform/netconform/harness/result"
	"github.com/netconform/netconform/reports/render"
)

// progress shows, per implementation, its results (case × role) done out
// of planned, failures so far and elapsed time: redrawn in place on a
// terminal; otherwise (a CI log) as plain lines, one when an
// implementation starts, one at least every heartbeat while it runs, and
// one when it ends.
type progress struct {
	w     io.Writer
	tty   bool
	now   func() time.Time
	mu    sync.Mutex
	rows  []*progressRow
	drawn int
	quit  chan struct{}
	done  chan struct{}
}

// heartbeat is the longest a running implementation goes without a line
// in a log.
const heartbeat = 10 * time.Second

type progressRow struct {
	p       *progress
	name    string
	total   int
	done    int
	failed  int
	start   time.Time
	end_    time.Time
	printed time.Time // its last plain line
	state   string    // waiting, running, done, or why it ended badly
}

func newProgress(w io.Writer, jobs []job) *progress {
	p := makeProgress(w, jobs, time.Now)
	p.tty = isTerminal(w)
	go p.loop()
	return p
}

// makeProgress is a progress on w in plain lines, reading the time from
// now, whose loop is not started.
func makeProgress(w io.Writer, jobs []job, now func() time.Time) *progress {
	p := &progress{w: w, now: now, quit: make(chan struct{}), done: make(chan struct{})}
	for _, j := range jobs {
		p.rows = append(p.rows, &progressRow{p: p, name: j.label(), state: "waiting"})
	}
	return p
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0 && os.Getenv("TERM") != "dumb"
}

func (p *progress) loop() {
	defer close(p.done)
	t := time.NewTicker(250 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-p.quit:
			p.draw()
			return
		case <-t.C:
			p.draw()
			p.beat()
		}
	}
}

// beat prints, when not on a terminal, the line of each running
// implementation that has printed none for a heartbeat.
func (p *progress) beat() {
	if p.tty {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	for _, r := range p.rows {
		if r.state == "running" && now.Sub(r.printed) >= heartbeat {
			r.printLocked(now)
		}
	}
}

func (p *progress) stop() {
	close(p.quit)
	<-p.done
}

// draw redraws every row on a terminal; elsewhere rows print themselves.
func (p *progress) draw() {
	if !p.tty {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn > 0 {
		fmt.Fprintf(p.w, "\x1b[%dA", p.drawn)
	}
	for _, r := range p.rows {
		fmt.Fprintf(p.w, "\x1b[2K%s\n", r.line(p.now()))
	}
	p.drawn = len(p.rows)
}

func (r *progressRow) line(now time.Time) string {
	el := time.Duration(0)
	switch {
	case !r.end_.IsZero():
		el = r.end_.Sub(r.start)
	case !r.start.IsZero():
		el = now.Sub(r.start)
	}
	total := "?"
	if r.total > 0 {
		total = fmt.Sprint(r.total)
	}
	return fmt.Sprintf("%-22s %4d/%-4s results (case×role)  %3d failing  %6.1fs  %s", r.name, r.done, total, r.failed, el.Seconds(), r.state)
}

func (r *progressRow) begin() {
	r.p.mu.Lock()
	defer r.p.mu.Unlock()
	r.start, r.state = r.p.now(), "running"
	r.print()
}

func (r *progressRow) end(why string) {
	r.p.mu.Lock()
	defer r.p.mu.Unlock()
	r.end_, r.state = r.p.now(), "done"
	if why != "" {
		r.state = why
	}
	r.print()
}

// print writes the row as a plain line when not on a terminal; the caller
// holds the lock.
func (r *progressRow) print() {
	if !r.p.tty {
		r.printLocked(r.p.now())
	}
}

func (r *progressRow) printLocked(now time.Time) {
	fmt.Fprintln(r.p.w, r.line(now))
	r.printed = now
}

// event follows one netconform event of the implementation's run.
func (r *progressRow) event(key, value string) {
	switch key {
	case result.KeyImpl:
		var im render.ImplInfo
		if json.Unmarshal([]byte(value), &im) == nil {
			r.p.mu.Lock()
			r.total = len(im.Planned)
			r.p.mu.Unlock()
		}
	case result.KeyResult:
		var res struct{ Outcome result.Outcome }
		json.Unmarshal([]byte(value), &res)
		r.p.mu.Lock()
		r.done++
		if res.Outcome.Failed() {
			r.failed++
		}
		r.p.mu.Unlock()
	}
}
