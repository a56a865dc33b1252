package driver

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// A Session is one running driver spoken to directly, request by request,
// for tools that check drivers (the smoke command). The harness does not
// use it: it goes through Impl.
type Session struct{ p *proc }

// Start starts argv in dir ("" for the current one).
func Start(dir string, argv ...string) (*Session, error) {
	p, err := startProc(argv, dir)
	if err != nil {
		return nil, err
	}
	return &Session{p}, nil
}

// Call sends req (its id is assigned) and waits up to timeout for the
// reply. The raw reply line is returned with it. An error means the session
// broke, or the timeout passed.
func (s *Session) Call(req Request, timeout time.Duration) (*Reply, []byte, error) {
	return s.call(req, nil, timeout)
}

// CallRaw sends line as it is and waits for the reply with id.
func (s *Session) CallRaw(line []byte, id int64, timeout time.Duration) (*Reply, []byte, error) {
	return s.call(nil, line, timeout, id)
}

// NextID reserves a request id, for CallRaw.
func (s *Session) NextID() int64 {
	s.p.mu.Lock()
	defer s.p.mu.Unlock()
	s.p.next++
	return s.p.next
}

func (s *Session) call(req Request, line []byte, timeout time.Duration, id ...int64) (*Reply, []byte, error) {
	p := s.p
	w := waiter{ch: make(chan *Reply, 1), raw: make(chan []byte, 1)}
	p.mu.Lock()
	var rid int64
	if req != nil {
		p.next++
		rid = p.next
		req["id"] = rid
		b, err := json.Marshal(req)
		if err != nil {
			p.mu.Unlock()
			return nil, nil, err
		}
		line = b
		w.op, _ = req["op"].(string)
		w.line = b
		if w.op == "bye" {
			p.bye = true // the driver may now exit: its end is not a failure
		}
	} else {
		rid = id[0]
	}
	p.waiting[rid] = w
	p.mu.Unlock()
	if err := p.send(line); err != nil {
		return nil, nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	select {
	case r := <-w.ch:
		return r, <-w.raw, nil
	case <-p.dead:
		select {
		case r := <-w.ch: // the reply came before the end
			return r, <-w.raw, nil
		default:
		}
		return nil, nil, p.deadErr()
	case <-ctx.Done():
		// The waiter stays: a late reply lands in its buffer, unread,
		// rather than counting as a reply to no request.
		return nil, nil, fmt.Errorf("no reply to id %d within %v", rid, timeout)
	}
}

// Pid is the driver's process id.
func (s *Session) Pid() int { return s.p.tree.Pid() }

// Stop says bye and kills the driver's process group.
func (s *Session) Stop() { s.p.stop() }

// Stderr returns the end of what the driver wrote to stderr.
func (s *Session) Stderr() string { return s.p.stderr.String() }

// Broken reports why the session ended, or nil while it runs.
func (s *Session) Broken() error {
	select {
	case <-s.p.dead:
		return s.p.why
	default:
		return nil
	}
}
