package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/s321/s321/internal/bench"
)

// benchOptions is the command line of `processor bench`, parsed.
type benchOptions struct {
	sweep bench.SweepConfig
	// doSweep runs the sweep instead of the throughput run.
	doSweep bool
	// out also receives the JSON line; empty writes stdout only.
	out string
}

func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	opts, err := parseBench(args, stderr)
	if err != nil {
		return err
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find the processor binary: %w", err)
	}
	opts.sweep.Executable = exe
	opts.sweep.Log = stderr

	var report any
	if opts.doSweep {
		report, err = bench.Sweep(ctx, opts.sweep)
	} else {
		report, err = bench.Run(ctx, opts.sweep.Config)
	}
	if err != nil {
		return err
	}
	line, err := json.Marshal(report)
	if err != nil {
		return fmt.Errorf("encode report: %w", err)
	}
	line = append(line, '\n')
	if _, err := stdout.Write(line); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if opts.out != "" {
		if err := os.WriteFile(opts.out, line, 0o644); err != nil {
			return fmt.Errorf("write report: %w", err)
		}
	}
	return nil
}

func parseBench(args []string, stderr io.Writer) (benchOptions, error) {
	opts := benchOptions{sweep: bench.DefaultSweepConfig()}
	cfg := &opts.sweep
	fs := flag.NewFlagSet("processor bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `usage: processor bench [flags]
       processor bench --sweep [flags]

Measures this processor binary end to end on this machine: starts
redis-server (which must be installed), the embedded broker and the
processor as separate processes on free loopback ports, preloads generated
manifests, and times the processor until every one is answered; then a
paced run at half that rate for latency, the same binary with --max-batch 1
as the baseline, and redis-server alone with the day-total script. Prints
one JSON line. With --sweep, offers load at fractions of the maximum rate
and plots throughput and p99 latency against it. See docs/performance.md.

`)
		fs.PrintDefaults()
	}
	fs.IntVar(&cfg.Parcels, "parcels", cfg.Parcels, "manifests preloaded for the drain run (with --sweep: to find the maximum rate)")
	fs.IntVar(&cfg.Partitions, "partitions", cfg.Partitions, "partitions of every topic")
	fs.IntVar(&cfg.Instances, "instances", cfg.Instances, "processors in the consumer group")
	fs.IntVar(&cfg.MaxBatch, "max-batch", cfg.MaxBatch, "the processors' --max-batch")
	fs.IntVar(&cfg.BaselineParcels, "baseline-parcels", cfg.BaselineParcels, "manifests of the baseline run (--max-batch 1); 0 skips it")
	fs.BoolVar(&cfg.Paced, "paced", cfg.Paced, "also run at half the measured rate and report its latency")
	fs.DurationVar(&cfg.PacedDuration, "paced-duration", cfg.PacedDuration, "how long the paced run produces")
	fs.IntVar(&cfg.RedisLimitOps, "redis-limit-ops", cfg.RedisLimitOps, "parcels whose Redis work (links and day-total script calls) is applied to measure redis-server alone; 0 skips it")
	fs.Uint64Var(&cfg.Seed, "seed", cfg.Seed, "seed of the generated manifests")
	fs.DurationVar(&cfg.Stall, "stall", cfg.Stall, "fail when the group commits nothing new for this long")
	fs.DurationVar(&cfg.Timeout, "timeout", cfg.Timeout, "fail when a run is not caught up after this long")
	fs.StringVar(&opts.out, "out", "", "also write the JSON line to this file")
	fs.BoolVar(&opts.doSweep, "sweep", false, "offer load at fractions of the maximum rate instead")
	fs.Float64Var(&cfg.MaxRate, "max-rate", 0, "with --sweep: the maximum rate in manifests/s; 0 measures it with a drain of --parcels")
	fractions := fs.String("fractions", joinFractions(cfg.Fractions), "with --sweep: fractions of the maximum rate offered, comma-separated")
	fs.DurationVar(&cfg.StepDuration, "step", cfg.StepDuration, "with --sweep: how long each rate is offered")
	fs.StringVar(&cfg.PlotPath, "plot", "docs/performance-sweep.png", "with --sweep: the PNG written; empty writes none")
	if err := parse(fs, args); err != nil {
		return opts, err
	}
	var problems []error
	fracs, err := parseFractions(*fractions)
	if err != nil {
		problems = append(problems, fmt.Errorf("--fractions %q: %w", *fractions, err))
	}
	cfg.Fractions = fracs
	cfg.Executable = "processor" // replaced by the running binary; here only to validate the rest
	if err := cfg.Validate(); err != nil {
		problems = append(problems, err)
	}
	if err := errors.Join(problems...); err != nil {
		fmt.Fprintf(fs.Output(), "processor bench: %v\n\"processor bench -h\" lists the flags\n", err)
		return opts, errUsage
	}
	return opts, nil
}

// parseFractions reads "0.1,0.5,1".
func parseFractions(s string) ([]float64, error) {
	var out []float64
	for _, part := range splitList(s) {
		f, err := strconv.ParseFloat(part, 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not a number", part)
		}
		out = append(out, f)
	}
	if len(out) == 0 {
		return nil, errors.New("at least one fraction required")
	}
	return out, nil
}

func joinFractions(fracs []float64) string {
	parts := make([]string, len(fracs))
	for i, f := range fracs {
		parts[i] = strconv.FormatFloat(f, 'f', -1, 64)
	}
	return strings.Join(parts, ",")
}
