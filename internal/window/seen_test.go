package window

import (
	"strconv"
	"testing"
)

// The keys added lately are found, and few others: keys never added and
// keys added two generations ago.
func TestSeenKeys(t *testing.T) {
	const n = 10_000
	s := newSeenKeys(n)
	for i := range n {
		s.add("a:" + strconv.Itoa(i))
	}
	for i := range n {
		if !s.has("a:" + strconv.Itoa(i)) {
			t.Fatalf("key %d of the generation filled is not found", i)
		}
	}
	// A second generation: the first is still found.
	for i := range n {
		s.add("b:" + strconv.Itoa(i))
	}
	for i := range n {
		if !s.has("a:"+strconv.Itoa(i)) || !s.has("b:"+strconv.Itoa(i)) {
			t.Fatalf("key %d of the last two generations is not found", i)
		}
	}
	wrongly := func(prefix string) float64 {
		found := 0
		for i := range n {
			if s.has(prefix + strconv.Itoa(i)) {
				found++
			}
		}
		return float64(found) / n
	}
	if rate := wrongly("never:"); rate > 0.03 {
		t.Errorf("%.1f%% of keys never added are found", 100*rate)
	}
	// A third generation forgets the first.
	for i := range n {
		s.add("c:" + strconv.Itoa(i))
	}
	if rate := wrongly("a:"); rate > 0.03 {
		t.Errorf("%.1f%% of the keys of the generation before the last two are found", 100*rate)
	}
	if rate := wrongly("b:"); rate != 1 {
		t.Errorf("%.1f%% of the keys of the generation before the one filling are found", 100*rate)
	}
}

// BenchmarkSeenKeys is what a new subject costs the filters at their
// full size: a lookup that misses both generations, then an add. The
// key's text is built in the loop, as the store builds it.
func BenchmarkSeenKeys(b *testing.B) {
	s := newSeenKeys(knownMaxSeen)
	for i := range 2 * knownMaxSeen {
		s.add("s321:{" + strconv.Itoa(i) + "}:old")
	}
	i := 0
	for b.Loop() {
		key := "s321:{" + strconv.Itoa(i) + "}:20250901"
		if !s.has(key) {
			s.add(key)
		}
		i++
	}
}
