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
	input := generatedLines(b, generate.DefaultConfig(), lines)
	cfg := replayConfig(b)
	b.ReportAllocs()
	b.SetBytes(int64(len(input)))
	for b.Loop() {
		// A store of its own each round: every parcel is new.
		p, _, err := app.NewProcessor(cfg, nil, "s321-replay", zap.NewNop())
		if err != nil {
			b.Fatal(err)
		}
		if _, err := replay.Run(context.Background(), replay.Config{Name: "bench", Topics: cfg.Topics}, p,
			bytes.NewReader(input), io.Discard, replayNow); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(lines*b.N)/b.Elapsed().Seconds(), "parcels/s")
}

// generatedLines returns n generated manifests, one a line.
func generatedLines(tb testing.TB, cfg generate.Config, n int) []byte {
	tb.Helper()
	gen, err := generate.New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	var lines bytes.Buffer
	for range n {
		lines.Write(gen.Next().Value)
		lines.WriteByte('\n')
	}
	return lines.Bytes()
}

// replayConfig is the configuration processor replay runs with by
// default.
func replayConfig(tb testing.TB) app.Config {
	tb.Helper()
	cfg := app.DefaultConfig()
	cfg.KeepDecisions = false // as processor replay runs
	if err := cfg.ValidateAndLoad(); err != nil {
		tb.Fatal(err)
	}
	return cfg
}

// replayNow is the clock of the replays of these tests.
func replayNow() time.Time { return time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC) }
