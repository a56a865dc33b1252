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

// progress shows, per implementation, cases done out of planned, failures
// so far and elapsed time: redrawn in place on a terminal, as plain lines
// (at start, at each quarter, at the end) otherwise.
type progress struct {
	w     io.Writer
	tty   bool
	mu    sync.Mutex
	rows  []*progressRow
	drawn int
	quit  chan struct{}
	done  chan struct{}
}

type progressRow struct {
	p       *progress
	name    string
	total   int
	done    int
	failed  int
	start   time.Time
	end_    time.Time
	state   string // waiting, running, done, or why it ended badly
	quarter int
}

func newProgress(w io.Writer, jobs []job) *progress {
	p := &progress{w: w, tty: isTerminal(w), quit: make(chan struct{}), done: make(chan struct{})}
	for _, j := range jobs {
		p.rows = append(p.rows, &progressRow{p: p, name: j.name, state: "waiting"})
	}
	go p.loop()
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
		fmt.Fprintf(p.w, "\x1b[2K%s\n", r.line())
	}
	p.drawn = len(p.rows)
}

func (r *progressRow) line() string {
	el := time.Duration(0)
	switch {
	case !r.end_.IsZero():
		el = r.end_.Sub(r.start)
	case !r.start.IsZero():
		el = time.Since(r.start)
	}
	total := "?"
	if r.total > 0 {
		total = fmt.Sprint(r.total)
	}
	return fmt.Sprintf("%-22s %4d/%-4s cases  %3d failing  %6.1fs  %s", r.name, r.done, total, r.failed, el.Seconds(), r.state)
}

func (r *progressRow) begin() {
	r.p.mu.Lock()
	r.start, r.state = time.Now(), "running"
	r.p.mu.Unlock()
	r.print()
}

func (r *progressRow) end(why string) {
	r.p.mu.Lock()
	r.end_, r.state = time.Now(), "done"
	if why != "" {
		r.state = why
	}
	r.p.mu.Unlock()
	r.print()
}

// print writes the row as a plain line when not on a terminal.
func (r *progressRow) print() {
	if r.p.tty {
		return
	}
	r.p.mu.Lock()
	defer r.p.mu.Unlock()
	fmt.Fprintln(r.p.w, r.line())
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
		q := 0
		if r.total > 0 {
			q = 4 * r.done / r.total
		}
		report := q > r.quarter && q < 4
		r.quarter = q
		r.p.mu.Unlock()
		if report {
			r.print()
		}
	}
}
