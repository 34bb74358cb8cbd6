package replay_test

import (
	"bytes"
	"context"
	"io"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/s321/s321/internal/app"
	"github.com/s321/s321/internal/generate"
	"github.com/s321/s321/internal/replay"
)

// BenchmarkReplay replays generated manifests on the memory store, as
// `processor replay` does without --redis-url, decisions written to a
// discarding writer; it reports parcels a second.
func BenchmarkReplay(b *testing.B) {
	const lines = 20_000
	gen, err := generate.New(generate.DefaultConfig())
	if err != nil {
		b.Fatal(err)
	}
	var input bytes.Buffer
	for range lines {
		input.Write(gen.Next().Value)
		input.WriteByte('\n')
	}
	cfg := app.DefaultConfig()
	cfg.KeepDecisions = false // as processor replay runs
	if err := cfg.ValidateAndLoad(); err != nil {
		b.Fatal(err)
	}
	now := func() time.Time { return time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC) }
	b.ReportAllocs()
	b.SetBytes(int64(input.Len()))
	for b.Loop() {
		// A store of its own each round: every parcel is new.
		p, _, err := app.NewProcessor(cfg, nil, "s321-replay", zap.NewNop())
		if err != nil {
			b.Fatal(err)
		}
		if _, err := replay.Run(context.Background(), replay.Config{Name: "bench", Topics: cfg.Topics}, p,
			bytes.NewReader(input.Bytes()), io.Discard, now); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(lines*b.N)/b.Elapsed().Seconds(), "parcels/s")
}
