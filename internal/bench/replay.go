package bench

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/s321/s321/internal/generate"
)

// Replay is `processor replay` on a generated file, on its embedded store:
// how fast the binary decides a backfill without Kafka or Redis.
type Replay struct {
	// Parcels is the number of manifest lines in the file.
	Parcels int `json:"parcels"`
	// Seconds runs from starting `processor replay` to its exit, start-up
	// included.
	Seconds float64 `json:"seconds"`
	// ParcelsPerSecond is Parcels / Seconds.
	ParcelsPerSecond float64 `json:"parcels_per_second"`
	// CPUUSPerParcel is the CPU time (user and system) the replay used,
	// over Parcels, in microseconds.
	CPUUSPerParcel float64 `json:"cpu_us_per_parcel"`
}

// writeManifests writes n generated manifests of seed to path as JSON
// lines, the input of `processor replay`. The same n and seed give the
// same file, so every build replays the same parcels.
func writeManifests(path string, n int, seed uint64) error {
	cfg := generate.DefaultConfig()
	cfg.Seed = seed
	gen, err := generate.New(cfg)
	if err != nil {
		return fmt.Errorf("generator: %w", err)
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("replay input: %w", err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	var msg generate.Message
	for range n {
		msg = gen.AppendNext(msg.Key[:0], msg.Value[:0])
		if bytes.IndexByte(msg.Value, '\n') >= 0 {
			f.Close()
			return fmt.Errorf("replay input: message %s holds a newline, which JSONL cannot carry", msg.Key)
		}
		w.Write(msg.Value)
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("replay input: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("replay input: %w", err)
	}
	return nil
}

// measureReplay writes cfg.ReplayParcels generated manifests to a file and
// times `<cfg.Executable> replay --input FILE` on it, with no output file
// and the embedded store (REDIS_URL is cleared for the child).
func measureReplay(ctx context.Context, cfg Config) (Replay, error) {
	dir, err := os.MkdirTemp("", "s321-bench-replay-")
	if err != nil {
		return Replay{}, fmt.Errorf("temp dir: %w", err)
	}
	defer os.RemoveAll(dir)
	input := filepath.Join(dir, "manifests.jsonl")
	if err := writeManifests(input, cfg.ReplayParcels, cfg.Seed); err != nil {
		return Replay{}, err
	}
	logf(cfg.Log, "replay: %d manifests with %s", cfg.ReplayParcels, cfg.Executable)
	env := append([]string{"RECIPIENT_KEY_SECRET=" + recipientKeySecret, "REDIS_URL="}, cfg.Env...)
	start := time.Now()
	c, err := startChild("replay", dir, cfg.Executable, []string{"replay", "--input", input}, env)
	if err != nil {
		return Replay{}, err
	}
	select {
	case <-c.done:
	case <-ctx.Done():
		c.stop(5 * time.Second)
		return Replay{}, fmt.Errorf("replay: %w", ctx.Err())
	}
	seconds := time.Since(start).Seconds()
	if c.err != nil {
		return Replay{}, c.diedError()
	}
	state := c.cmd.ProcessState
	cpu := (state.UserTime() + state.SystemTime()).Seconds()
	r := Replay{
		Parcels:          cfg.ReplayParcels,
		Seconds:          round3(seconds),
		ParcelsPerSecond: perSecond(int64(cfg.ReplayParcels), seconds),
		CPUUSPerParcel:   usPerParcel(cpu, cfg.ReplayParcels),
	}
	logf(cfg.Log, "replay: %d parcels in %.2fs = %.0f/s, %.1f µs of CPU a parcel", r.Parcels, r.Seconds, r.ParcelsPerSecond, r.CPUUSPerParcel)
	return r, nil
}
