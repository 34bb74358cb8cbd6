package generate

import (
	"math/bits"
	"math/rand/v2"
)

// source is a PCG generator with the few draws the generator needs. It is a
// value (no allocation) and its draws are defined here rather than by
// rand.Rand, so the stream of a seed never changes with the Go release.
type source struct {
	pcg rand.PCG
}

// newSource returns a source seeded from two words; nearby seeds give
// unrelated streams because both words are mixed first.
func newSource(seed, stream uint64) source {
	var s source
	s.pcg.Seed(mix64(seed), mix64(stream^0x9e3779b97f4a7c15))
	return s
}

// mix64 is the SplitMix64 finalizer: a bijection that spreads every input
// bit over the whole word.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// uint64 returns a uniform 64-bit word.
func (s *source) uint64() uint64 { return s.pcg.Uint64() }

// below returns a uniform integer in [0, n); n must be positive. It is
// Lemire's multiply-and-reject method, exact for every n.
func (s *source) below(n uint64) uint64 {
	hi, lo := bits.Mul64(s.pcg.Uint64(), n)
	if lo < n {
		threshold := -n % n
		for lo < threshold {
			hi, lo = bits.Mul64(s.pcg.Uint64(), n)
		}
	}
	return hi
}

// intn returns a uniform int in [0, n); n must be positive.
func (s *source) intn(n int) int { return int(s.below(uint64(n))) }

// between returns a uniform int64 in [lo, hi]; hi must not be below lo.
func (s *source) between(lo, hi int64) int64 {
	return lo + int64(s.below(uint64(hi-lo)+1))
}

// float returns a uniform float64 in [0, 1).
func (s *source) float() float64 {
	return float64(s.pcg.Uint64()>>11) / (1 << 53)
}

// chance reports true with probability p.
func (s *source) chance(p float64) bool { return s.float() < p }

// weighted returns an index into weights, drawn in proportion to them;
// total must be their sum and positive.
func (s *source) weighted(weights []uint16, total int) int {
	n := s.intn(total)
	for i, w := range weights {
		n -= int(w)
		if n < 0 {
			return i
		}
	}
	return len(weights) - 1
}
