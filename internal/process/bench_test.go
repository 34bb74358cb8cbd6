package process_test

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/s321/s321/internal/event"
	"github.com/s321/s321/internal/generate"
	"github.com/s321/s321/internal/process"
	"github.com/s321/s321/internal/redisinfo"
	"github.com/s321/s321/internal/testenv"
	"github.com/s321/s321/internal/window"
)

// The benchmarks drive a processor's batches in-process over each store,
// with generated traffic, so `go test -cpuprofile` shows where a batch's
// time goes. Over Redis they also report what redis-server spent per
// parcel (INFO's used_cpu_user and used_cpu_sys) and its commands per
// parcel (INFO commandstats).

func BenchmarkProcessMemory(b *testing.B) {
	store, err := window.NewMemory(window.DefaultConfig())
	if err != nil {
		b.Fatal(err)
	}
	benchmarkProcess(b, store, nil)
}

func BenchmarkProcessRedis(b *testing.B) {
	server := testenv.StartRedis(b, "--appendonly", "no")
	rdb := redis.NewClient(&redis.Options{Addr: server.Addr, Protocol: 2}) // as app.OpenStore
	b.Cleanup(func() { _ = rdb.Close() })
	store, err := window.New(rdb, window.DefaultConfig())
	if err != nil {
		b.Fatal(err)
	}
	benchmarkProcess(b, store, rdb)
}

func benchmarkProcess(b *testing.B, store *window.Store, rdb *redis.Client) {
	p := storeProcessor(b, store)
	gen, err := generate.New(generate.DefaultConfig())
	if err != nil {
		b.Fatal(err)
	}
	const size = 1000
	batch := make([]process.Input, size)
	ctx := context.Background()
	now := time.Date(2025, 9, 1, 12, 0, 0, 0, time.UTC)
	var cpuBefore float64
	var callsBefore map[string]int64
	var memBefore int64
	if rdb != nil {
		cpuBefore, callsBefore, memBefore = redisUsage(b, rdb)
	}
	parcels := 0
	var cpu time.Duration
	cpuMeasured := false
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		for i := range batch {
			msg := gen.Next()
			batch[i] = process.Input{Key: msg.Key, Value: msg.Value, Source: event.Source{Topic: "manifests", Offset: int64(parcels + i)}}
		}
		b.StartTimer()
		before, _ := processCPU()
		if _, err := p.Process(ctx, batch, now); err != nil {
			b.Fatal(err)
		}
		after, measured := processCPU()
		cpu += after - before
		cpuMeasured = measured
		parcels += size
	}
	b.ReportMetric(float64(parcels)/b.Elapsed().Seconds(), "parcels/s")
	if cpuMeasured {
		// The process's own CPU while it processed the batches, all its
		// threads, the collector's too: what processor_us_per_parcel
		// measures of a running processor, without Kafka.
		b.ReportMetric(float64(cpu.Microseconds())/float64(parcels), "cpu-µs/parcel")
	}
	if rdb != nil {
		cpu, calls, mem := redisUsage(b, rdb)
		b.ReportMetric((cpu-cpuBefore)*1e6/float64(parcels), "redis-µs/parcel")
		b.ReportMetric(float64(mem-memBefore)/float64(parcels), "redis-bytes/parcel")
		var n int64
		for cmd, c := range calls {
			n += c - callsBefore[cmd]
		}
		b.ReportMetric(float64(n)/float64(parcels), "redis-commands/parcel")
		for cmd, c := range calls {
			if per := float64(c-callsBefore[cmd]) / float64(parcels); per >= 0.01 {
				b.Logf("%s: %.2f calls/parcel", cmd, per)
			}
		}
		b.Logf("%s", commandTimes(b, rdb))
	}
}

// commandTimes returns INFO commandstats' lines.
func commandTimes(b *testing.B, rdb *redis.Client) string {
	info, err := rdb.Info(context.Background(), "commandstats").Result()
	if err != nil {
		b.Fatal(err)
	}
	return info
}

// redisUsage reads redis-server's CPU seconds, calls by command and
// used_memory (the bytes its data takes, allocator overhead included).
func redisUsage(b *testing.B, rdb *redis.Client) (cpu float64, calls map[string]int64, mem int64) {
	b.Helper()
	info, err := rdb.Info(context.Background(), "cpu", "memory", "commandstats").Result()
	if err != nil {
		b.Fatal(err)
	}
	calls = map[string]int64{}
	for name, c := range redisinfo.Commands(info) {
		calls[name] = int64(c.Calls)
	}
	cpu, err = redisinfo.CPUSeconds(info)
	if err != nil {
		b.Fatal(err)
	}
	mem, err = redisinfo.UsedMemory(info)
	if err != nil {
		b.Fatal(err)
	}
	return cpu, calls, mem
}
