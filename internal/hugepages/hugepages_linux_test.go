package hugepages

import (
	"bufio"
	"fmt"
	"os"
	"strings"
	"testing"
)

// TestAdviseHeapAdvisesTheRange checks that the range AdviseHeap reports
// is mapped and marked for huge pages (VmFlags hg in /proc/self/smaps).
func TestAdviseHeapAdvisesTheRange(t *testing.T) {
	enabled, _ := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled")
	overcommit, _ := os.ReadFile("/proc/sys/vm/overcommit_memory")
	if reason := Plan(string(enabled), string(overcommit), MinSize); reason != "" {
		t.Skipf("this machine does not allow it: %s", reason)
	}
	res := AdviseHeap(MinSize)
	if res.Advised != MinSize || res.Reason != "" {
		t.Fatalf("AdviseHeap(%d) = %+v; want %d advised", MinSize, res, MinSize)
	}
	if res.Start%hugePage != 0 {
		t.Errorf("advised range starts at %#x, not on a huge page", res.Start)
	}
	for _, at := range []uintptr{res.Start, res.Start + uintptr(res.Advised) - 1} {
		flags, err := vmFlags(at)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(" "+flags+" ", " hg ") {
			t.Errorf("the mapping of %#x has VmFlags %q: no hg (MADV_HUGEPAGE)", at, flags)
		}
	}
}

// vmFlags returns the VmFlags line of the mapping of /proc/self/smaps
// that holds address at.
func vmFlags(at uintptr) (string, error) {
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		return "", err
	}
	defer f.Close()
	lines := bufio.NewScanner(f)
	inside := false
	for lines.Scan() {
		line := lines.Text()
		var lo, hi uintptr
		if n, _ := fmt.Sscanf(line, "%x-%x ", &lo, &hi); n == 2 {
			inside = lo <= at && at < hi
			continue
		}
		if flags, ok := strings.CutPrefix(line, "VmFlags:"); ok && inside {
			return strings.TrimSpace(flags), nil
		}
	}
	if err := lines.Err(); err != nil {
		return "", err
	}
	return "", fmt.Errorf("no mapping holds %#x", at)
}
