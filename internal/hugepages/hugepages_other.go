//go:build !linux

package hugepages

// AdviseHeap does nothing off Linux.
func AdviseHeap(size int64) Result {
	return Result{Reason: "transparent huge pages are a Linux feature"}
}

// MachineMemory returns 0 off Linux: it is not read there.
func MachineMemory() int64 { return 0 }
