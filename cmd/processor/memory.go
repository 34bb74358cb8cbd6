package main

import (
	"context"
	"math"
	"runtime/debug"
	"runtime/metrics"
	"time"

	"github.com/KimMachineGun/automemlimit/memlimit"
	"go.uber.org/zap"

	"github.com/s321/s321/internal/hugepages"
)

// containerMemory is the memory limit of the process's cgroup, 0 when it
// has none or there is no cgroup to read (another OS).
func containerMemory() int64 { return bytesOrZero(memlimit.FromCgroup()) }

// machineMemory is the machine's memory, 0 when it cannot be read.
func machineMemory() int64 { return bytesOrZero(memlimit.FromSystem()) }

// bytesOrZero is what automemlimit read, or 0 when it read nothing an
// int64 holds.
func bytesOrZero(bytes uint64, err error) int64 {
	if err != nil || bytes > math.MaxInt64 {
		return 0
	}
	return int64(bytes)
}

// adviseHeap backs the heap of a command whose heap grows as it runs
// (replay, the broker, run and demo on the embedded store or broker)
// with transparent huge pages where Linux allows it
// (internal/hugepages): half the machine's memory at most, and no more
// than half the container's or Go's memory limit. Call it before the heap
// holds much.
func adviseHeap() hugepages.Result {
	goLimit := debug.SetMemoryLimit(-1)
	if goLimit == math.MaxInt64 {
		goLimit = 0
	}
	return hugepages.AdviseHeap(hugepages.Size(machineMemory(), containerMemory(), goLimit))
}

// applyMemoryLimit lets the Go heap grow to limit bytes before the garbage
// collector runs, and no collection is set off by growth alone (GOGC off),
// so a processor whose live heap is bounded, as one on Redis is, collects
// less often than Go's default and holds about limit bytes, whatever the
// stream's length. limit 0 leaves Go's default. GOGC or GOMEMLIMIT in the
// environment wins: the collector is then left as they set it. It returns
// the limit put in force, or 0. container is the container's memory
// limit (0 for none): a limit above it is warned of, since the process
// would be killed before it collects.
func applyMemoryLimit(limit, container int64, lookupEnv func(string) (string, bool), log *zap.Logger) int64 {
	for _, name := range []string{"GOGC", "GOMEMLIMIT"} {
		if _, set := lookupEnv(name); set {
			log.Info("garbage collector as the environment sets it; --memory-limit not applied", zap.String("variable", name))
			return 0
		}
	}
	if limit == 0 {
		return 0
	}
	debug.SetMemoryLimit(limit)
	debug.SetGCPercent(-1)
	log.Info("garbage collector runs at the memory limit", zap.Int64("memory_limit_bytes", limit))
	if container > 0 && limit > container {
		log.Warn("--memory-limit is above the container's memory: the process may be killed before the collector runs; set it to about three quarters of the container's",
			zap.Int64("memory_limit_bytes", limit), zap.Int64("container_memory_bytes", container))
	}
	return limit
}

// heapWatch warns when the live heap comes near the memory limit: the
// collector then runs often (up to half the CPU, which Go caps) and the
// process may exceed the limit.
type heapWatch struct {
	limit int64
	// live reads the heap a collection last found live, in bytes.
	live func() uint64
	log  *zap.Logger
	// warned is when it last warned; it warns at most once every
	// heapWarnEvery.
	warned time.Time
}

const (
	heapCheckEvery = 15 * time.Second
	heapWarnEvery  = 10 * time.Minute
)

// check warns, at most once every heapWarnEvery, when the live heap is
// above three quarters of the limit.
func (w *heapWatch) check(now time.Time) {
	live := w.live()
	if live <= uint64(w.limit)/4*3 || now.Sub(w.warned) < heapWarnEvery {
		return
	}
	w.warned = now
	w.log.Warn("live heap near --memory-limit: the garbage collector runs often; raise --memory-limit or lower --workers or --max-batch",
		zap.Uint64("live_heap_bytes", live), zap.Int64("memory_limit_bytes", w.limit))
}

func (w *heapWatch) run(ctx context.Context) {
	tick := time.NewTicker(heapCheckEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			w.check(now)
		}
	}
}

// liveHeap reads the runtime's /gc/heap/live:bytes.
func liveHeap() uint64 {
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(sample)
	if sample[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return sample[0].Value.Uint64()
}

// watchHeap runs a heapWatch of limit until ctx ends; with no limit it
// does nothing.
func watchHeap(ctx context.Context, limit int64, log *zap.Logger) {
	if limit == 0 {
		return
	}
	w := &heapWatch{limit: limit, live: liveHeap, log: log}
	w.run(ctx)
}

// logAdvice logs what adviseHeap did, at info: the figures of a
// processor on the embedded store or broker depend on it.
func logAdvice(log *zap.Logger, res hugepages.Result) {
	if res.Advised > 0 {
		log.Info("heap advised for transparent huge pages", zap.Int64("bytes", res.Advised))
		return
	}
	log.Info("heap not advised for transparent huge pages", zap.String("reason", res.Reason))
}
