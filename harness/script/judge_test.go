package script

import (
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/netconform/netconform/harness/internal/engine"
)

// TestJudgeTiming pins the two-sided timing rule: returning before the
// deadline (or a NotBefore bound) is always a hard failure; returning
// after the deadline is fine within the tolerance, and late — a retry, not
// a failure — beyond it; the tolerance stretches with the scale; a past
// deadline is measured from the call.
func TestJudgeTiming(t *testing.T) {
	t0 := time.Unix(1000, 0)
	ms := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Millisecond) }
	for _, tc := range []struct {
		name            string
		w               timingWant
		start, dl, end  time.Time
		scale           float64
		wantBad, wantLt string
	}{
		{"at the deadline", timingWant{atDeadline: true}, ms(0), ms(100), ms(100), 1, "", ""},
		{"a microsecond early", timingWant{atDeadline: true}, ms(0), ms(100), ms(100).Add(-time.Microsecond), 1, "returned 1µs before its deadline", ""},
		{"within tolerance", timingWant{atDeadline: true}, ms(0), ms(100), ms(349), 1, "", ""},
		{"late", timingWant{atDeadline: true}, ms(0), ms(100), ms(360), 1, "", "returned 260ms after its deadline"},
		{"late at 1, fine at 2", timingWant{atDeadline: true}, ms(0), ms(100), ms(360), 2, "", ""},
		{"past deadline counts from the call", timingWant{atDeadline: true}, ms(500), ms(0), ms(600), 1, "", ""},
		{"no deadline set", timingWant{atDeadline: true}, ms(0), time.Time{}, ms(10), 1, "no deadline was set before this step", ""},
		{"within", timingWant{within: 200 * time.Millisecond}, ms(0), time.Time{}, ms(150), 1, "", ""},
		{"not within", timingWant{within: 200 * time.Millisecond}, ms(0), time.Time{}, ms(250), 1, "", "took 250ms"},
		{"not before: early", timingWant{notBefore: time.Second}, ms(0), time.Time{}, ms(900), 1, "returned after 900ms", ""},
		{"not before: on time", timingWant{notBefore: time.Second}, ms(0), time.Time{}, ms(1000), 1, "", ""},
		{"not before: never stretched", timingWant{notBefore: time.Second}, ms(0), time.Time{}, ms(900), 4, "returned after 900ms", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad, late := judgeTiming(tc.w, tc.start, tc.start, tc.dl, tc.end, tc.start, tc.scale)
			require.Equal(t, tc.wantBad, firstOf(bad))
			require.Equal(t, tc.wantLt, firstOf(late))
		})
	}
}

func firstOf(ss []string) string {
	if len(ss) == 0 {
		return ""
	}
	return ss[0]
}

// TestWantAndGotRead pins how expectations and observations read: like
// the call, in the order of its results.
func TestWantAndGotRead(t *testing.T) {
	for _, tc := range []struct {
		s    Step
		want string
	}{
		{Read(IUT, 8).Err(Closed), "iut.Read(8) = 0, closed (net.ErrClosed)"},
		{Read(IUT, 8).Err(Closed).AnyErr(), "iut.Read(8) = 0, closed (net.ErrClosed) (allowed: any error)"},
		{Read(Peer, 3).Want("abc"), `peer.Read(3) = 3 "abc", nil`},
		{ReadAll(Peer).WantN(5), "peer.ReadAll() = 5, eof (io.EOF)"},
		{Write(IUT, "hi"), `iut.Write("hi") = 2, nil`},
		{WriteN(IUT, 65536).At(3), "iut.Write(<64 KiB>) = 65536, nil"},
		{Read(IUT, 8).Err(Deadline).Timeout().AtDeadline(), "iut.Read(8) = 0, deadline (os.ErrDeadlineExceeded), Timeout() true, at the deadline (not before, at most 250ms after)"},
		{Close(IUT), "iut.Close()"},
		{CloseWrite(IUT), "iut.CloseWrite() = nil"},
		{ExpectOpt(IUT, OptNoDelay, 1), "getsockopt(iut, TCP_NODELAY) = TCP_NODELAY=1"},
		{Addrs(IUT), "iut.Addrs() = non-nil addresses, unchanged, matching the other end"},
		{Go("r", Read(IUT, 8).Err(EOF)), "go r: iut.Read(8) = nil"},
		{ReadFrom(Server, 64).Want("x").From("c1"), `server.ReadFrom(64) = 1 "x", nil, from c1`},
		{Read(IUT, 8).WantPrefixOf("abcd"), `iut.Read(8) = 1 to 4 of "abcd", nil`},
	} {
		require.Equal(t, tc.want, tc.s.String())
	}
	got := gotString(Read(IUT, 8).Err(EOF), engine.Ret{N: 0, Err: io.EOF}, time.Time{}, time.Time{}, time.Time{})
	require.Equal(t, "0, eof", got)
	got = gotString(Read(IUT, 8), engine.Ret{N: 3, Data: []byte("abc"), Err: os.ErrDeadlineExceeded}, time.Time{}, time.Time{}, time.Time{})
	require.Equal(t, `3 "abc", deadline (i/o timeout)`, got)
	got = gotString(Read(IUT, 8), engine.Ret{Err: &net.OpError{Op: "read", Net: "tcp", Err: errors.New("boom")}}, time.Time{}, time.Time{}, time.Time{})
	require.Equal(t, "0, other (read tcp: boom)", got)
}

// TestWantPrefixOf: a Read wanting a prefix of some bytes takes any
// non-empty prefix of them, and nothing else.
func TestWantPrefixOf(t *testing.T) {
	s := Read(IUT, 8).WantPrefixOf("abcd")
	for data, ok := range map[string]bool{"a": true, "ab": true, "abcd": true, "": false, "b": false, "abd": false, "abcde": false} {
		bad := judgeBytes(s, engine.Ret{N: len(data), Data: []byte(data)}, None)
		require.Equal(t, ok, len(bad) == 0, "%q: %v", data, bad)
	}
}
