package main

import (
	"os"
	"strconv"
	"strings"
	"sync"
)

// cpuBusy returns a function that says which share of the machine's CPU
// time was busy (not idle, not waiting on I/O) since its previous call,
// from /proc/stat; -1 when it cannot tell.
func cpuBusy() func() float64 {
	var mu sync.Mutex
	lastBusy, lastTotal := procStat()
	return func() float64 {
		mu.Lock()
		defer mu.Unlock()
		busy, total := procStat()
		db, dt := busy-lastBusy, total-lastTotal
		lastBusy, lastTotal = busy, total
		if total == 0 || dt == 0 {
			return -1
		}
		return float64(db) / float64(dt)
	}
}

// procStat reads the busy and total CPU time of the machine, in ticks;
// 0, 0 when /proc/stat cannot be read.
func procStat() (busy, total uint64) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 6 || f[0] != "cpu" {
		return 0, 0
	}
	for i, s := range f[1:] {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return 0, 0
		}
		if i >= 8 {
			break // guest time is counted in user time already
		}
		total += n
		if i != 3 && i != 4 { // idle, iowait
			busy += n
		}
	}
	return busy, total
}
