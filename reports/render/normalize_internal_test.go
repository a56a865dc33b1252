package render

import (
	"math/rand/v2"
	"testing"
)

// TestNormalizePrefiltersMissNothing: the cheap checks that spare the
// expressions most of a report's text never skip a text they would match.
func TestNormalizePrefiltersMissNothing(t *testing.T) {
	texts := []string{
		"dial tcp 127.0.0.1:4242: connection refused", "[::1]:80", "[fe80::1%eth0]:9", "10.0.0.1:0",
		"took 1.5ms", "after 3s", "2µs", "40us", "7ns", "goroutine 7 [running]:", "a:1", "]:", "1:", "",
	}
	alphabet := []byte("0123456789.:[]af smun\n")
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		b := make([]byte, r.IntN(24))
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		if r.IntN(8) == 0 {
			b = append(b, "µs"...)
		}
		texts = append(texts, string(b))
	}
	for _, s := range texts {
		if addrRE.MatchString(s) && !mayHaveAddr(s) {
			t.Errorf("mayHaveAddr(%q) = false, but addrRE matches", s)
		}
		if durRE.MatchString(s) && !mayHaveDuration(s) {
			t.Errorf("mayHaveDuration(%q) = false, but durRE matches", s)
		}
	}
}
