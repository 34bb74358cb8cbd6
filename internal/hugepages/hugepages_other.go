//go:build !linux

package hugepages

// AdviseHeap does nothing off Linux.
func AdviseHeap(size int64) Result {
	return Result{Reason: "transparent huge pages are a Linux feature"}
}
