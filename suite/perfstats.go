package suite

import (
	"math"
	"slices"
	"time"
)

// The stopping rule of a perf measurement taken in rounds: it stops once
// it has at least its minimum of rounds and the 95% confidence interval of
// the median across rounds lies within ±perfTolerance of that median, or
// once perfCap has passed, whichever comes first.
const (
	perfConfidence = 0.95
	perfTolerance  = 0.05
	perfCap        = 3 * time.Second
)

// settled reports whether rounds (one figure a round) meet the stopping
// rule's interval: the 95% interval of their median within ±perfTolerance.
func settled(rounds []float64) bool {
	lo, hi, ok := medianCI(rounds, perfConfidence)
	m := quantile(sorted(rounds), 0.5)
	return ok && m > 0 && lo >= m*(1-perfTolerance) && hi <= m*(1+perfTolerance)
}

// medianCI is the distribution-free confidence interval of the median of
// xs at level (such as 0.95), by order statistics: [x(k), x(n+1-k)] (1-based,
// sorted) for the largest k whose coverage, 1 − 2·P(Binomial(n, ½) < k),
// is at least level. ok is false when xs are too few for any interval to
// reach that level (fewer than 6 for 95%).
func medianCI(xs []float64, level float64) (lo, hi float64, ok bool) {
	n := len(xs)
	if n == 0 {
		return 0, 0, false
	}
	// tail is P(B ≤ i), summed in log space: 2^-n underflows past n = 1074.
	k, tail := 0, 0.0
	logp := -float64(n) * math.Ln2 // log P(B = 0)
	for i := 0; i < n/2; i++ {
		tail += math.Exp(logp)
		if 1-2*tail < level {
			break
		}
		k = i + 1 // P(B < k) = P(B ≤ i) = tail still leaves the coverage
		logp += math.Log(float64(n-i)) - math.Log(float64(i+1))
	}
	if k == 0 {
		return 0, 0, false
	}
	s := sorted(xs)
	return s[k-1], s[n-k], true
}

// quantile is the q-quantile of sorted xs by nearest rank: the smallest
// value with at least a fraction q of the values at or below it. Nothing
// is trimmed: quantile(xs, 0.99) of 1000 values is the 990th.
func quantile(sortedXs []float64, q float64) float64 {
	if len(sortedXs) == 0 {
		return math.NaN()
	}
	i := int(math.Ceil(q*float64(len(sortedXs)))) - 1
	return sortedXs[min(max(i, 0), len(sortedXs)-1)]
}

// cv is the coefficient of variation of xs: their sample standard
// deviation over their mean; 0 for fewer than two values or a zero mean.
func cv(xs []float64) float64 {
	if len(xs) < 2 {
		return 0
	}
	var sum float64
	for _, x := range xs {
		sum += x
	}
	mean := sum / float64(len(xs))
	if mean == 0 {
		return 0
	}
	var ss float64
	for _, x := range xs {
		ss += (x - mean) * (x - mean)
	}
	return math.Sqrt(ss/float64(len(xs)-1)) / math.Abs(mean)
}

func sorted(xs []float64) []float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s
}
