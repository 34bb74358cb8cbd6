package hugepages

import (
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"
)

// AdviseHeap maps size bytes of Go heap ahead (rounded down to huge
// pages, of the size the kernel gives in hpage_pmd_size) and advises
// Linux to back them with transparent huge pages, where Plan allows it.
// Call it early, before the heap holds much: it runs two garbage
// collections. size should come from Size. It advises once a process; a
// later call returns the first one's result (a second block could land on
// pages the collector has not handed back, and be cleared page by page).
func AdviseHeap(size int64) Result {
	once.Do(func() { advised = adviseHeap(size) })
	return advised
}

var (
	once    sync.Once
	advised Result
)

func adviseHeap(size int64) Result {
	if strconv.IntSize < 64 {
		return Result{Reason: "a 32-bit address space has no room to map the heap ahead"}
	}
	// Mapping beyond an address-space limit (ulimit -v) would stop the
	// process: the runtime cannot recover from a failed heap mapping.
	var space unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_AS, &space); err == nil && space.Cur != unix.RLIM_INFINITY {
		return Result{Reason: "the address space is limited (ulimit -v)"}
	}
	enabled, _ := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled")
	overcommit, _ := os.ReadFile("/proc/sys/vm/overcommit_memory")
	page := int64(hugePage)
	if text, err := os.ReadFile("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size"); err == nil {
		if n, err := strconv.ParseInt(strings.TrimSpace(string(text)), 10, 64); err == nil && n > 0 && n&(n-1) == 0 {
			page = n
		}
	}
	if raceEnabled {
		size = min(size, MinSize)
	}
	size &^= page - 1
	if reason := Plan(string(enabled), string(overcommit), size); reason != "" {
		return Result{Reason: reason}
	}
	start, err := adviseBlock(size, page)
	// The block is garbage now; the collection frees its pages and hands
	// them back, untouched, to be the heap's as it grows.
	runtime.GC()
	debug.FreeOSMemory()
	if err != nil {
		return Result{Reason: "madvise: " + err.Error()}
	}
	return Result{Advised: size, Start: start}
}

// adviseBlock allocates a block of heap, which the runtime maps without
// touching (fresh memory is already zero), advises size bytes of it
// aligned to page, and returns where they start; the block is garbage
// once it returns.
func adviseBlock(size, page int64) (uintptr, error) {
	// One more huge page, so that the advised range, aligned, is size.
	block := make([]byte, size+page)
	start := uintptr(unsafe.Pointer(unsafe.SliceData(block)))
	offset := int64((start+uintptr(page)-1)&^(uintptr(page)-1) - start)
	return start + uintptr(offset), unix.Madvise(block[offset:offset+size], unix.MADV_HUGEPAGE)
}
