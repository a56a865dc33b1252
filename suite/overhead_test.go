package suite_test

import (
	"context"
	"errors"
	"net"
	"os"
	"testing"
	"time"

	"github.com/netconform/netconform/harness"
	"github.com/netconform/netconform/harness/result"
	"github.com/netconform/netconform/harness/runner"
	"github.com/netconform/netconform/impls/stdnet"
	"github.com/netconform/netconform/suite"
)

// BenchmarkOverhead measures what the harness costs per case: the same
// checks run as netconform cases (topology, watchdogs, classification,
// transcript, teardown, kernel lookups) and written by hand as a plain
// nettest-style test on std TCP.
//
//	go test -run '^$' -bench Overhead ./suite
func BenchmarkOverhead(b *testing.B) {
	for _, id := range []string{"closed.read.after-close-is-errclosed", "deadline.read.past"} {
		c, ok := suite.Lookup(id)
		if !ok {
			b.Fatalf("no case %s", id)
		}
		b.Run("harness/"+id, func(b *testing.B) {
			im := stdnet.TCP
			rn := runner.New(runner.Config{Timescale: 1, Parallel: 1})
			for b.Loop() {
				if res := rn.Run(context.Background(), &im, c, harness.RoleClient); res.Outcome != result.Pass {
					b.Fatal(res.Format())
				}
			}
		})
		b.Run("plain/"+id, func(b *testing.B) {
			for b.Loop() {
				if err := plainCheck(id); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// plainCheck is the check of case id written by hand: dial a listener,
// act, compare the error by meaning, close everything.
func plainCheck(id string) error {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer ln.Close()
	c, err := net.Dial("tcp4", ln.Addr().String())
	if err != nil {
		return err
	}
	defer c.Close()
	s, err := ln.Accept()
	if err != nil {
		return err
	}
	defer s.Close()
	buf := make([]byte, 8)
	switch id {
	case "closed.read.after-close-is-errclosed":
		c.Close()
		if _, err := c.Read(buf); !errors.Is(err, net.ErrClosed) {
			return errors.New("Read after Close did not fail with net.ErrClosed")
		}
	case "deadline.read.past":
		c.SetReadDeadline(time.Now().Add(-time.Second))
		var ne net.Error
		if _, err := c.Read(buf); !errors.Is(err, os.ErrDeadlineExceeded) || !errors.As(err, &ne) || !ne.Timeout() {
			return errors.New("Read after a past deadline did not time out")
		}
	}
	return nil
}
