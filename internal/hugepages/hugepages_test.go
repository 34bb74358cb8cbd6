package hugepages

import "testing"

func TestPlan(t *testing.T) {
	tests := []struct {
		name, enabled, overcommit string
		size                      int64
		goAhead                   bool
	}{
		{"madvise", "always [madvise] never\n", "0\n", 1 << 30, true},
		{"always", "[always] madvise never\n", "1\n", 1 << 30, true},
		{"never", "always madvise [never]\n", "0\n", 1 << 30, false},
		{"no THP in the kernel", "", "0\n", 1 << 30, false},
		{"strict overcommit", "always [madvise] never\n", "2\n", 1 << 30, false},
		{"too small", "always [madvise] never\n", "0\n", MinSize - hugePage, false},
		{"the least", "always [madvise] never\n", "0\n", MinSize, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			reason := Plan(tc.enabled, tc.overcommit, tc.size)
			if (reason == "") != tc.goAhead {
				t.Errorf("Plan(%q, %q, %d) = %q; want go ahead %v", tc.enabled, tc.overcommit, tc.size, reason, tc.goAhead)
			}
		})
	}
}

func TestSize(t *testing.T) {
	const gib = 1 << 30
	tests := []struct {
		name                        string
		machine, container, goLimit int64
		want                        int64
	}{
		{"the machine", 24 * gib, 0, 0, 12 * gib},
		{"a container", 24 * gib, 4 * gib, 0, 2 * gib},
		{"a Go limit", 24 * gib, 4 * gib, 1 * gib, gib / 2},
		{"a container larger than the machine", 8 * gib, 64 * gib, 0, 4 * gib},
		{"the machine unknown", 0, 4 * gib, 0, 2 * gib},
		{"nothing known", 0, 0, 0, 0},
		{"rounded down to huge pages", 3*hugePage + 4096, 0, 0, hugePage},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Size(tc.machine, tc.container, tc.goLimit); got != tc.want {
				t.Errorf("Size(%d, %d, %d) = %d, want %d", tc.machine, tc.container, tc.goLimit, got, tc.want)
			}
		})
	}
}
