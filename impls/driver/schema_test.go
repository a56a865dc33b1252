package driver

import (
	"math/rand/v2"
	"regexp"
	"testing"
)

// base64Match decides exactly what the schema's pattern does: every
// string of up to 4 characters over an alphabet with each kind of
// character, and longer random ones.
func TestBase64MatchIsThePattern(t *testing.T) {
	re := regexp.MustCompile(base64Pattern)
	alphabet := []byte("Az09+/=-_ \n\xff")
	check := func(s string) {
		if got, want := (base64Match{}).MatchString(s), re.MatchString(s); got != want {
			t.Errorf("base64Match(%q) = %v, regexp = %v", s, got, want)
		}
	}
	var all func(prefix []byte, n int)
	all = func(prefix []byte, n int) {
		check(string(prefix))
		if n == 0 {
			return
		}
		for _, c := range alphabet {
			all(append(prefix, c), n-1)
		}
	}
	all(nil, 4)
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		b := make([]byte, r.IntN(64))
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
			if r.IntN(4) > 0 {
				b[i] = "ABCxyz019+/"[r.IntN(11)]
			}
		}
		check(string(b))
	}
}
