package bench

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/s321/s321/internal/event"
	"github.com/s321/s321/internal/generate"
	"github.com/s321/s321/internal/process"
	"github.com/s321/s321/internal/testenv"
)

// The benchmarks below drive the processor's hot path in-process, so
// `go test -cpuprofile` shows where a batch's time goes; the Kafka side
// is profiled on the running binary (docs/performance.md).

// batches returns a function that fills one batch of generated inputs
// after another, with fresh parcels each time.
func batches(b *testing.B, size int) func() []process.Input {
	b.Helper()
	gen, err := generate.New(generate.DefaultConfig())
	if err != nil {
		b.Fatal(err)
	}
	batch := make([]process.Input, size)
	var offset int64
	return func() []process.Input {
		for i := range batch {
			msg := gen.Next()
			batch[i] = process.Input{Key: msg.Key, Value: msg.Value, Source: event.Source{Topic: inputTopic, Offset: offset}}
			offset++
		}
		return batch
	}
}

// benchmarkProcess runs batches of 1000 fresh parcels through a processor
// over counter and reports parcels a second.
func benchmarkProcess(b *testing.B, counter process.Counter, linker process.Linker) {
	p, err := newProcessor(counter, linker)
	if err != nil {
		b.Fatal(err)
	}
	next := batches(b, limitBatch)
	ctx := context.Background()
	now := time.Date(2025, 9, 1, 12, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		batch := next()
		b.StartTimer()
		if _, err := p.Process(ctx, batch, now); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*limitBatch)/b.Elapsed().Seconds(), "parcels/s")
}

// BenchmarkProcessCPU is one partition's batch with Redis answered in
// memory by a recorder: the processor's own CPU cost per parcel, without
// any store (internal/process has the batch over the memory store and
// over redis-server).
func BenchmarkProcessCPU(b *testing.B) {
	discard := &recorder{discard: true}
	benchmarkProcess(b, discard, discard)
}

// BenchmarkRedisWork is the Redis side of a batch alone: the links and
// script calls of 1000 parcels, sent to a redis-server process, with the
// append-only file as the bench runs it (fsync every second) and without.
func BenchmarkRedisWork(b *testing.B) {
	batches, err := CaptureBatches(context.Background(), 50*limitBatch, 7)
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"aof=everysec", []string{"--appendfsync", "everysec"}},
		{"aof=off", []string{"--appendonly", "no"}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			srv := testenv.StartRedis(b, tc.args...)
			benchmarkRedisWork(b, srv.Client(), batches)
		})
	}
}

func benchmarkRedisWork(b *testing.B, rdb *redis.Client, batches []Batch) {
	ctx := context.Background()
	round := 0
	store, err := newStore(ctx, rdb, "apply0")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		batch := batches[i%len(batches)]
		if i%len(batches) == 0 {
			// A new key space each pass keeps every op a first count.
			b.StopTimer()
			round++
			store, err = newStore(ctx, rdb, "apply"+strconv.Itoa(round))
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
		if err := applyBatch(ctx, store, batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*limitBatch)/b.Elapsed().Seconds(), "parcels/s")
}
