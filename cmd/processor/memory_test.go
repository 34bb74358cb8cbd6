package main

import (
	"runtime"
	"runtime/debug"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// TestApplyMemoryLimit: a limit turns growth-driven collection off and
// sets the runtime's memory limit, unless GOGC or GOMEMLIMIT is set.
func TestApplyMemoryLimit(t *testing.T) {
	gcPercent, memLimit := debug.SetGCPercent(100), debug.SetMemoryLimit(-1)
	t.Cleanup(func() {
		debug.SetGCPercent(gcPercent)
		debug.SetMemoryLimit(memLimit)
	})
	tests := []struct {
		name      string
		limit     int64
		container int64
		env       map[string]string
		applied   bool
		warned    bool
	}{
		{"a limit", 512 << 20, 0, nil, true, false},
		{"a limit within the container's", 512 << 20, 1 << 30, nil, true, false},
		{"a limit above the container's", 512 << 20, 256 << 20, nil, true, true},
		{"none", 0, 0, nil, false, false},
		{"GOGC wins", 512 << 20, 0, map[string]string{"GOGC": "200"}, false, false},
		{"GOMEMLIMIT wins", 512 << 20, 0, map[string]string{"GOMEMLIMIT": "1GiB"}, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			debug.SetGCPercent(100)
			debug.SetMemoryLimit(memLimit)
			lookup := func(name string) (string, bool) { v, ok := tc.env[name]; return v, ok }
			core, logs := observer.New(zapcore.WarnLevel)
			got := applyMemoryLimit(tc.limit, tc.container, lookup, zap.New(core))
			if warned := logs.Len() > 0; warned != tc.warned {
				t.Errorf("warned %v, want %v: %v", warned, tc.warned, logs.All())
			}
			percent, limit := debug.SetGCPercent(100), debug.SetMemoryLimit(-1)
			if tc.applied {
				if got != tc.limit || percent != -1 || limit != tc.limit {
					t.Errorf("returned %d, GOGC %d, limit %d; want %d, off, %d", got, percent, limit, tc.limit, tc.limit)
				}
				return
			}
			if got != 0 || percent != 100 || limit != memLimit {
				t.Errorf("returned %d, GOGC %d, limit %d; want the collector left alone", got, percent, limit)
			}
		})
	}
}

// TestHeapWatchWarnsNearTheLimit: a live heap above three quarters of the
// limit is warned of, at most once every heapWarnEvery.
func TestHeapWatchWarnsNearTheLimit(t *testing.T) {
	core, logs := observer.New(zapcore.WarnLevel)
	live := uint64(300 << 20)
	w := &heapWatch{limit: 512 << 20, live: func() uint64 { return live }, log: zap.New(core)}
	start := time.Date(2026, 12, 7, 16, 0, 0, 0, time.UTC)
	w.check(start) // 300 of 512 MiB: below three quarters
	live = 400 << 20
	w.check(start.Add(heapCheckEvery))
	w.check(start.Add(2 * heapCheckEvery)) // within heapWarnEvery of the warning
	w.check(start.Add(heapCheckEvery + heapWarnEvery))
	entries := logs.All()
	if len(entries) != 2 {
		t.Fatalf("%d warnings, want 2: %v", len(entries), entries)
	}
	if got := entries[0].ContextMap()["live_heap_bytes"]; got != uint64(400<<20) {
		t.Errorf("live_heap_bytes = %v, want %d", got, 400<<20)
	}
}

// TestLiveHeap reads the runtime's metric: a running program has a live
// heap once a collection has run.
func TestLiveHeap(t *testing.T) {
	keep := make([]byte, 8<<20)
	debug.FreeOSMemory() // a collection
	if live := liveHeap(); live < uint64(len(keep)) {
		t.Errorf("liveHeap() = %d, want at least the %d bytes held", live, len(keep))
	}
	runtime.KeepAlive(keep)
}
