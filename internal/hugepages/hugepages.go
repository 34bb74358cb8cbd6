// Package hugepages asks the operating system to back the Go heap with
// transparent huge pages, for the commands whose heap grows as they run
// (processor replay, the broker, and run and demo on the embedded store
// or broker): on Linux, each first touch of a 4 KiB page of new heap is
// a page fault, and a replay's heap grows by up to two hundred megabytes
// a second. A 2 MiB page takes one fault where 512 small ones took 512,
// and fewer entries of the processor's address cache.
//
// The Go runtime no longer advises its heap itself, and a mapping made
// later does not inherit advice given to another, so AdviseHeap maps the
// heap ahead: it allocates one large block, which the runtime maps but
// does not touch, advises it (madvise MADV_HUGEPAGE), and frees it. The
// heap then grows into that advised range. Nothing is resident that was
// not before, but for the runtime's own index of the range (about a
// thousandth of it).
//
// It does nothing where the system does not allow it: off Linux, with
// transparent huge pages set to never, with strict overcommit accounting
// (vm.overcommit_memory 2), under which the mapped range would count
// against the commit limit, with a limit on the address space (ulimit
// -v), or in a 32-bit one. A build with the race detector advises
// MinSize at most: the detector clears its shadow of every byte mapped.
// It reads no clock and logs nothing.
package hugepages

import (
	"fmt"
	"strings"
)

// hugePage is the size of a transparent huge page on x86-64 and arm64
// with 4 KiB pages, the alignment madvise's range is rounded to where the
// kernel does not say (hpage_pmd_size).
const hugePage = 2 << 20

// MinSize is the least AdviseHeap maps: below it the advice is not worth
// the collection it costs.
const MinSize = 64 << 20

// Result is what AdviseHeap did.
type Result struct {
	// Advised is the bytes of heap address space advised, 0 for none;
	// Start is where they begin.
	Advised int64
	Start   uintptr
	// Reason says why nothing was advised, "" when something was.
	Reason string
}

// Plan decides whether to advise size bytes of heap, from the text of
// /sys/kernel/mm/transparent_hugepage/enabled ("always [madvise] never")
// and of /proc/sys/vm/overcommit_memory: it returns "" to go ahead, or
// why not.
func Plan(enabled, overcommit string, size int64) string {
	switch {
	case enabled == "":
		return "the kernel has no transparent huge pages"
	case !strings.Contains(enabled, "[always]") && !strings.Contains(enabled, "[madvise]"):
		return fmt.Sprintf("transparent huge pages are off (%s)", strings.TrimSpace(enabled))
	case strings.TrimSpace(overcommit) == "2":
		return "strict overcommit accounting (vm.overcommit_memory 2): the advised range would count against the commit limit"
	case size < MinSize:
		return fmt.Sprintf("%d bytes are too few to advise (at least %d)", size, MinSize)
	}
	return ""
}

// Size is the heap worth advising: half of the least of the machine's
// memory, the container's memory limit and the Go runtime's (0 for none).
// The kernel refuses even under heuristic overcommit a single mapping
// larger than the machine's memory, and the block AdviseHeap allocates
// must leave the rest of the process room under either limit while it is
// held.
func Size(machine, container, goLimit int64) int64 {
	least := machine
	for _, limit := range []int64{container, goLimit} {
		if limit > 0 && (least <= 0 || limit < least) {
			least = limit
		}
	}
	return max(least/2, 0) &^ (hugePage - 1)
}
