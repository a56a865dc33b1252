package script

import "testing"

// TestPattern checks the pattern against its definition, byte i is
// (off+i) mod 251, across the period and the cache's growth.
func TestPattern(t *testing.T) {
	for _, tc := range []struct{ off, n int }{
		{0, 0}, {0, 1}, {5, 250}, {0, 251}, {250, 252}, {7, 1000}, {3, 64<<10 + 1}, {1000, 3 << 20}, {0, maxPatternCache + 1},
	} {
		for name, got := range map[string][]byte{"Pattern": Pattern(tc.off, tc.n), "patternBytes": patternBytes(tc.off, tc.n)} {
			if len(got) != tc.n {
				t.Fatalf("%s(%d, %d) has %d bytes", name, tc.off, tc.n, len(got))
			}
			for i, b := range got {
				if want := byte((tc.off + i) % 251); b != want {
					t.Fatalf("%s(%d, %d)[%d] = %d, want %d", name, tc.off, tc.n, i, b, want)
				}
			}
		}
	}
}

// TestWriteLenIsPayloadLen: a write's length, which descriptions and
// budgets use, is the length of what it writes, for every family that
// moves bytes, without the payload being made.
func TestWriteLenIsPayloadLen(t *testing.T) {
	for _, s := range []Step{
		Write("c", "hello"), WriteN("c", 3<<20), WriteN("c", 7).At(5),
		WriteTo("p", "dgram", "q"), WriteToN("p", 1200, "q"),
		CopyFrom("c", 1<<20), CopyTo("c"),
		Read("c", 8), ReadFull("c", 9), ReadAll("c"), ReadFrom("p", 64),
	} {
		bc := s.f.(byteCall)
		if got, want := bc.writeLen(s), len(bc.payload(s)); got != want {
			t.Errorf("%s: writeLen = %d, len(payload) = %d", s, got, want)
		}
	}
}
