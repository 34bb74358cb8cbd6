package window

import "hash/maphash"

// seenKeys remembers, approximately, the last keys added: at least the
// last perGeneration and at most twice as many, in two Bloom filters
// (the one filling and the one before it), about 10 bits a key. A key
// added lately is always found; a key never added, or added too long
// ago, is found by mistake about once in a hundred. A process uses it
// to tell the subjects that exist from those it takes to be new, where
// a mistake costs one read.
type seenKeys struct {
	seed          maphash.Seed
	perGeneration int
	// filling and before are the two generations: bits, and how many
	// keys filling holds.
	filling, before []uint64
	added           int
}

// seenHashes is how many bits a key sets: with 10 bits a key, about 1%
// of keys not added are found.
const (
	seenHashes     = 7
	seenBitsPerKey = 10
)

func newSeenKeys(perGeneration int) *seenKeys {
	words := (perGeneration*seenBitsPerKey + 63) / 64
	return &seenKeys{seed: maphash.MakeSeed(), perGeneration: perGeneration,
		filling: make([]uint64, words), before: make([]uint64, words)}
}

// add remembers key; the generation before the one filling is forgotten
// when the one filling is full.
func (s *seenKeys) add(key string) {
	if s.added >= s.perGeneration {
		s.before, s.filling = s.filling, s.before
		clear(s.filling)
		s.added = 0
	}
	bits := uint64(len(s.filling)) * 64
	h1, h2 := s.hashes(key)
	for i := range uint64(seenHashes) {
		bit := (h1 + i*h2) % bits
		s.filling[bit/64] |= 1 << (bit % 64)
	}
	s.added++
}

// has reports whether key was added lately (or, about once in a
// hundred, a key that was not).
func (s *seenKeys) has(key string) bool {
	h1, h2 := s.hashes(key)
	return s.in(s.filling, h1, h2) || s.in(s.before, h1, h2)
}

func (s *seenKeys) in(filter []uint64, h1, h2 uint64) bool {
	bits := uint64(len(filter)) * 64
	for i := range uint64(seenHashes) {
		bit := (h1 + i*h2) % bits
		if filter[bit/64]&(1<<(bit%64)) == 0 {
			return false
		}
	}
	return true
}

// hashes derives a key's bit positions (h1 + i·h2) from one 64-bit hash,
// as Kirsch and Mitzenmacher show two hashes suffice for a Bloom filter.
func (s *seenKeys) hashes(key string) (h1, h2 uint64) {
	h := maphash.String(s.seed, key)
	return h & 0xffffffff, h>>32 | 1
}
