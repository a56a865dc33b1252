// Package misbehave holds implementations that misbehave in ways a test
// process cannot contain — a panic in a goroutine of their own, os.Exit —
// or that leak and deadlock. Their test runs only when asked
// (NETCONFORM_MISBEHAVE=1), from the isolation test, through the report
// command, which runs each implementation in a process of its own.
package misbehave

import (
	"context"
	"fmt"
	"net"
	"os"
	"sync/atomic"
	"time"

	"github.com/netconform/netconform/harness"
	"github.com/netconform/netconform/impls/stdnet"
)

// Impls are the misbehaving implementations.
var Impls = []harness.Impl{
	wrap("misbehave-panic-goroutine", "the first Read starts a goroutine that panics 100 ms later", panicGoroutine{}),
	wrap("misbehave-os-exit", "the first Close calls os.Exit(3)", osExit{}),
	wrap("misbehave-close-deadlock", "Close blocks forever", closeDeadlock{}),
	wrap("misbehave-accept-blocks", "Accept after Close blocks forever", acceptBlocks{}),
	wrap("misbehave-goroutine-leak", "every Dial and Accept starts a goroutine that never ends", goroutineLeak{}),
	wrap("misbehave-socket-leak", "every Dial and Accept also opens a UDP socket it never closes", socketLeak{}),
}

// A behaviour changes conns and listeners; the zero methods do nothing.
type behaviour interface {
	conn(c net.Conn) net.Conn
	listener(l net.Listener) net.Listener
}

func wrap(name, desc string, b behaviour) harness.Impl {
	return harness.Impl{
		Name:        name,
		Description: desc,
		Caps:        stdnet.TCP.Caps,
		Network:     "tcp4",
		Dial: func(ctx context.Context, network, address string, o harness.DialOptions) (net.Conn, error) {
			c, err := stdnet.TCP.Dial(ctx, network, address, o)
			if err != nil {
				return nil, err
			}
			return b.conn(c), nil
		},
		Listen: func(ctx context.Context, network, address string, o harness.ListenOptions) (net.Listener, error) {
			l, err := stdnet.TCP.Listen(ctx, network, address, o)
			if err != nil {
				return nil, err
			}
			return b.listener(l), nil
		},
	}
}

type plain struct{}

func (plain) conn(c net.Conn) net.Conn             { return c }
func (plain) listener(l net.Listener) net.Listener { return &acceptWrap{Listener: l, b: plain{}} }

// acceptWrap passes accepted conns through the behaviour.
type acceptWrap struct {
	net.Listener
	b behaviour
}

func (l *acceptWrap) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return l.b.conn(c), nil
}

var panicked atomic.Bool

type panicGoroutine struct{}

type panicConn struct{ net.Conn }

func (panicGoroutine) conn(c net.Conn) net.Conn { return panicConn{c} }
func (b panicGoroutine) listener(l net.Listener) net.Listener {
	return &acceptWrap{Listener: l, b: b}
}

func (c panicConn) Read(p []byte) (int, error) {
	if !panicked.Swap(true) {
		go func() {
			time.Sleep(100 * time.Millisecond)
			panic("misbehave: a panic in the implementation's own goroutine")
		}()
	}
	return c.Conn.Read(p)
}

type osExit struct{}

type exitConn struct{ net.Conn }

func (osExit) conn(c net.Conn) net.Conn { return exitConn{c} }
func (b osExit) listener(l net.Listener) net.Listener {
	return &acceptWrap{Listener: l, b: b}
}

func (c exitConn) Close() error {
	fmt.Fprintln(os.Stderr, "misbehave: Close calls os.Exit(3)")
	os.Exit(3)
	return nil
}

type closeDeadlock struct{}

type deadlockConn struct{ net.Conn }

func (closeDeadlock) conn(c net.Conn) net.Conn { return deadlockConn{c} }
func (b closeDeadlock) listener(l net.Listener) net.Listener {
	return &acceptWrap{Listener: l, b: b}
}

func (c deadlockConn) Close() error { select {} }

type acceptBlocks struct{ plain }

type blockingListener struct {
	net.Listener
	closed atomic.Bool
}

func (acceptBlocks) listener(l net.Listener) net.Listener { return &blockingListener{Listener: l} }

func (l *blockingListener) Close() error { l.closed.Store(true); return l.Listener.Close() }

func (l *blockingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil && l.closed.Load() {
		select {}
	}
	return c, err
}

type goroutineLeak struct{}

func (goroutineLeak) conn(c net.Conn) net.Conn {
	go func() { select {} }() // misbehave: a goroutine that never ends
	return c
}

func (b goroutineLeak) listener(l net.Listener) net.Listener {
	return &acceptWrap{Listener: l, b: b}
}

type socketLeak struct{}

// leaked keeps the leaked sockets from their finalizers.
var leaked []net.PacketConn

func (socketLeak) conn(c net.Conn) net.Conn {
	if pc, err := net.ListenPacket("udp4", "127.0.0.1:0"); err == nil {
		leaked = append(leaked, pc) // misbehave: never closed
	}
	return c
}

func (b socketLeak) listener(l net.Listener) net.Listener {
	return &acceptWrap{Listener: l, b: b}
}
