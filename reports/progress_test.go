package main

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/netconform/netconform/harness/result"
)

// TestProgressBeatsInALog: in a log, a running implementation prints a
// line when it starts, at least every heartbeat while it runs (its
// results done out of planned, failures, elapsed), and when it ends; a
// waiting or finished one prints nothing more.
func TestProgressBeatsInALog(t *testing.T) {
	var log strings.Builder
	clock := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	p := makeProgress(&log, []job{{name: "slow"}, {name: "later"}}, func() time.Time { return clock })
	slow := p.rows[0]
	lines := func() []string {
		s := strings.TrimSuffix(log.String(), "\n")
		log.Reset()
		if s == "" {
			return nil
		}
		return strings.Split(s, "\n")
	}

	slow.begin()
	require.Len(t, lines(), 1, "a line when it starts")
	slow.event(result.KeyImpl, `{"name":"slow","planned":["a.b.c/client","a.b.c/server","a.b.d/client"]}`)
	slow.event(result.KeyResult, `{"outcome":"pass"}`)
	slow.event(result.KeyResult, `{"outcome":"fail"}`)

	clock = clock.Add(heartbeat - time.Second)
	p.beat()
	require.Empty(t, lines(), "a line before a heartbeat passed")

	clock = clock.Add(time.Second)
	p.beat()
	got := lines()
	require.Len(t, got, 1, "one line a heartbeat, for the running implementation only")
	require.Regexp(t, `^slow +2/3 +results \(case×role\) +1 failing +10\.0s +running$`, got[0])

	clock = clock.Add(36 * time.Second)
	p.beat()
	require.Len(t, lines(), 1, "a heartbeat after 36 s of silence")
	slow.end("")
	got = lines()
	require.Len(t, got, 1, "a line when it ends")
	require.Regexp(t, `^slow +2/3 +results \(case×role\) +1 failing +46\.0s +done$`, got[0])

	clock = clock.Add(time.Hour)
	p.beat()
	require.Empty(t, lines(), "lines from implementations waiting or done")
}
