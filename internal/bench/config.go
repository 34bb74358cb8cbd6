package bench

import (
	"errors"
	"fmt"
	"io"
	"time"
)

// Config is what one `s321-bench` run measures.
type Config struct {
	// Executable is the processor binary started as the broker and the
	// processors (`<Executable> broker ...`, `<Executable> run ...`).
	// Required.
	Executable string
	// Env is added to the environment of the broker and processors.
	Env []string
	// Parcels is the number of manifests preloaded for the drain run.
	// Default 1,000,000.
	Parcels int
	// Partitions of every topic. Default 12.
	Partitions int
	// Instances is the number of processors in the consumer group.
	// Default 1.
	Instances int
	// MaxBatch is the processors' --max-batch. Default 1000, the
	// processor's own default.
	MaxBatch int
	// BaselineParcels is the number of manifests of the baseline run (the
	// same binary with --max-batch 1); 0 skips it. Default 20,000.
	BaselineParcels int
	// Paced also runs a paced run at half the rate the drain run reached,
	// and takes the reported latency from it. Default true.
	Paced bool
	// PacedDuration is how long the paced run produces. Default 20s.
	PacedDuration time.Duration
	// ReplayParcels is the number of generated manifests decided by
	// `<Executable> replay` on its embedded store; 0 skips it. Default
	// 100,000.
	ReplayParcels int
	// RedisLimitOps is the number of parcels whose Redis work is applied
	// to measure redis-server alone; 0 skips it. Default 200,000.
	RedisLimitOps int
	// RedisAOF runs every redis-server with an append-only file
	// (appendfsync everysec, no snapshots), as deploy/docker-compose.yml
	// and production do; false runs it without persistence. Default true.
	RedisAOF bool
	// RedisMasters, when above 0, runs a Redis Cluster of that many
	// masters (no replicas, the hash slots dealt out evenly) in place of
	// one redis-server, for the drain, paced and baseline runs; the
	// processors get all of them in a redis+cluster:// URL, and the Redis
	// figures are the masters' together. The Redis limit is measured on
	// one server either way. Default 0.
	RedisMasters int
	// Seed selects the generated traffic. Default 1.
	Seed uint64
	// Stall fails a run when the consumer group commits nothing new for
	// this long. Default 60s.
	Stall time.Duration
	// Timeout bounds each wait for the processors to catch up. Default
	// 30m.
	Timeout time.Duration
	// Rounds is how many times RunEach measures every build, in turn
	// (see RunEach). Default 1.
	Rounds int
	// Log receives progress lines; nil discards them.
	Log io.Writer
}

// DefaultConfig returns the defaults documented on Config; Executable is
// left empty.
func DefaultConfig() Config {
	return Config{
		Parcels:         1_000_000,
		Partitions:      12,
		Instances:       1,
		MaxBatch:        1000,
		BaselineParcels: 20_000,
		Paced:           true,
		PacedDuration:   20 * time.Second,
		ReplayParcels:   100_000,
		RedisLimitOps:   200_000,
		RedisAOF:        true,
		Seed:            1,
		Stall:           60 * time.Second,
		Timeout:         30 * time.Minute,
		Rounds:          1,
	}
}

// Validate reports a configuration the bench cannot run.
func (c Config) Validate() error {
	var errs []error
	if c.Executable == "" {
		errs = append(errs, errors.New("executable: required"))
	}
	if c.Parcels < 1 || c.Parcels > 100_000_000 {
		errs = append(errs, fmt.Errorf("parcels %d: must be in [1, 100000000]", c.Parcels))
	}
	if c.Partitions < 1 || c.Partitions > 1000 {
		errs = append(errs, fmt.Errorf("partitions %d: must be in [1, 1000]", c.Partitions))
	}
	if c.Instances < 1 || c.Instances > 16 {
		errs = append(errs, fmt.Errorf("instances %d: must be in [1, 16]", c.Instances))
	}
	if c.MaxBatch < 1 {
		errs = append(errs, fmt.Errorf("max batch %d: must be at least 1", c.MaxBatch))
	}
	if c.BaselineParcels < 0 || c.BaselineParcels > 10_000_000 {
		errs = append(errs, fmt.Errorf("baseline parcels %d: must be in [0, 10000000]", c.BaselineParcels))
	}
	if c.Paced && (c.PacedDuration < time.Second || c.PacedDuration > time.Hour) {
		errs = append(errs, fmt.Errorf("paced duration %s: must be in [1s, 1h]", c.PacedDuration))
	}
	if c.ReplayParcels < 0 || c.ReplayParcels > 100_000_000 {
		errs = append(errs, fmt.Errorf("replay parcels %d: must be in [0, 100000000]", c.ReplayParcels))
	}
	if c.RedisLimitOps < 0 || c.RedisLimitOps > 10_000_000 {
		errs = append(errs, fmt.Errorf("redis limit ops %d: must be in [0, 10000000]", c.RedisLimitOps))
	}
	if c.RedisMasters < 0 || c.RedisMasters > 16 {
		errs = append(errs, fmt.Errorf("redis masters %d: must be in [0, 16]", c.RedisMasters))
	}
	if c.Stall < time.Second {
		errs = append(errs, fmt.Errorf("stall %s: must be at least 1s", c.Stall))
	}
	if c.Timeout < time.Second {
		errs = append(errs, fmt.Errorf("timeout %s: must be at least 1s", c.Timeout))
	}
	if c.Rounds < 1 || c.Rounds > 20 {
		errs = append(errs, fmt.Errorf("rounds %d: must be in [1, 20]", c.Rounds))
	}
	return errors.Join(errs...)
}

// SweepConfig is what `s321-bench --sweep` measures: offered load at
// fractions of the maximum rate, each for StepDuration.
type SweepConfig struct {
	Config
	// MaxRate is the maximum rate the fractions are of, in parcels a
	// second; 0 measures it first with a drain run of Config.Parcels.
	MaxRate float64
	// Fractions of MaxRate offered in turn. Default 0.1, 0.25, 0.5, 0.75,
	// 1, 1.25.
	Fractions []float64
	// StepDuration is how long each rate is offered. Default 15s.
	StepDuration time.Duration
	// PlotPath, when set, receives a PNG of throughput and p99 latency
	// against offered load.
	PlotPath string
}

// DefaultSweepConfig returns the defaults documented on SweepConfig.
func DefaultSweepConfig() SweepConfig {
	return SweepConfig{
		Config:       DefaultConfig(),
		Fractions:    []float64{0.10, 0.25, 0.50, 0.75, 1.00, 1.25},
		StepDuration: 15 * time.Second,
	}
}

// Validate reports a sweep the bench cannot run.
func (c SweepConfig) Validate() error {
	errs := []error{c.Config.Validate()}
	if c.MaxRate < 0 || c.MaxRate > 10_000_000 {
		errs = append(errs, fmt.Errorf("max rate %g: must be in [0, 10000000]", c.MaxRate))
	}
	if len(c.Fractions) == 0 || len(c.Fractions) > 20 {
		errs = append(errs, errors.New("fractions: 1 to 20 required"))
	}
	for _, f := range c.Fractions {
		if !(f > 0 && f <= 10) {
			errs = append(errs, fmt.Errorf("fraction %g: must be in (0, 10]", f))
		}
	}
	if c.StepDuration < time.Second || c.StepDuration > time.Hour {
		errs = append(errs, fmt.Errorf("step duration %s: must be in [1s, 1h]", c.StepDuration))
	}
	return errors.Join(errs...)
}
