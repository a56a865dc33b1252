package suite

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// ints is 1, 2, … n as figures, shuffled.
func ints(n int) []float64 {
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = float64(i + 1)
	}
	rand.New(rand.NewPCG(1, 2)).Shuffle(n, func(i, j int) { xs[i], xs[j] = xs[j], xs[i] })
	return xs
}

// TestMedianCIRanks: the order statistics of the 95% interval are those
// of the binomial tables (n = 6: the extremes; 10: 2nd and 9th; 100: 40th
// and 61st), and too few rounds have none.
func TestMedianCIRanks(t *testing.T) {
	for _, tc := range []struct {
		n      int
		lo, hi float64
		ok     bool
	}{{1, 0, 0, false}, {5, 0, 0, false}, {6, 1, 6, true}, {10, 2, 9, true}, {100, 40, 61, true}, {2000, 956, 1045, true}} {
		lo, hi, ok := medianCI(ints(tc.n), 0.95)
		require.Equal(t, tc.ok, ok, "n=%d", tc.n)
		require.Equal(t, [2]float64{tc.lo, tc.hi}, [2]float64{lo, hi}, "n=%d", tc.n)
	}
}

// TestMedianCICoverage: over many samples of a skewed distribution, the
// interval holds the true median at least 95% of the time (at most the
// exact coverage of its ranks, which is above 95% by the discreteness of
// the binomial: 98.8% for 11).
func TestMedianCICoverage(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{6, 11, 25, 60} {
		const trials = 4000
		held := 0
		for range trials {
			xs := make([]float64, n)
			for i := range xs {
				xs[i] = r.ExpFloat64()
			}
			lo, hi, ok := medianCI(xs, 0.95)
			require.True(t, ok)
			if lo <= math.Ln2 && math.Ln2 <= hi {
				held++
			}
		}
		cover := float64(held) / trials
		require.GreaterOrEqual(t, cover, 0.94, "n=%d: coverage %.3f", n, cover)
		require.LessOrEqual(t, cover, 0.995, "n=%d: coverage %.3f: wider than it needs", n, cover)
	}
}

// TestSettled: rounds within ±1% settle once they are enough; rounds
// spread over ±50% do not, however many.
func TestSettled(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	tight := func(n int, spread float64) []float64 {
		xs := make([]float64, n)
		for i := range xs {
			xs[i] = 100 * (1 + spread*(2*r.Float64()-1))
		}
		return xs
	}
	require.False(t, settled(tight(5, 0.01)), "5 rounds have no 95% interval")
	require.True(t, settled(tight(6, 0.01)))
	require.False(t, settled(tight(200, 0.5)))
	require.False(t, settled([]float64{0, 0, 0, 0, 0, 0}), "a zero median")
	// An outlier round does not stop a settled median.
	xs := append(tight(30, 0.01), 1000)
	require.True(t, settled(xs))
}

func TestCV(t *testing.T) {
	require.Zero(t, cv(nil))
	require.Zero(t, cv([]float64{7}))
	require.Zero(t, cv([]float64{3, 3, 3}))
	require.InDelta(t, 0.5, cv([]float64{1, 2, 3}), 1e-12)         // sd 1, mean 2
	require.InDelta(t, math.Sqrt(2)/2, cv([]float64{2, 6}), 1e-12) // sd 2√2, mean 4
}

func TestQuantile(t *testing.T) {
	s := sorted(ints(1000))
	require.Equal(t, 990.0, quantile(s, 0.99), "p99 of 1000 is the 990th: nothing trimmed")
	require.Equal(t, 500.0, quantile(s, 0.5))
	require.Equal(t, 1000.0, quantile(s, 1))
	require.Equal(t, 1.0, quantile(s, 0))
	require.Equal(t, 5.0, quantile([]float64{5}, 0.99))
	require.True(t, math.IsNaN(quantile(nil, 0.5)))
}
