// Command s321-bench measures processor binaries end to end on this
// machine: redis-server, the embedded broker (`processor broker`) and the
// processors (`processor run`) as separate OS processes on loopback ports,
// then `processor replay` on a generated file. It is a command of its own
// so that the processor carries none of its dependencies (the plotting
// library and its image packages); see docs/performance.md.
//
//	s321-bench [flags]                                  the processor beside it, or ./cmd/processor built
//	s321-bench --processor base=OLD --processor head=NEW   both, in turn, side by side
//	s321-bench --sweep --plot sweep.png [flags]         offered load against latency
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/s321/s321/internal/bench"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := runBench(ctx, args, stdout, stderr)
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	default:
		fmt.Fprintf(stderr, "s321-bench: %v\n", err)
		return 1
	}
}

// errUsage marks a command line the flag package has already explained.
var errUsage = errors.New("usage")

// options is the command line, parsed.
type options struct {
	sweep bench.SweepConfig
	// doSweep runs the sweep instead of the throughput run.
	doSweep bool
	// out also receives the JSON lines; empty writes stdout only.
	out string
	// processors are the --processor flags in order; empty measures the
	// default binary (see defaultProcessor).
	processors processorFlags
}

func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	opts, err := parseOptions(args, stderr)
	if err != nil {
		return err
	}
	opts.sweep.Log = stderr
	builds := opts.processors.builds()
	if len(builds) == 0 {
		exe, cleanup, err := defaultProcessor(ctx, stderr)
		if err != nil {
			return err
		}
		defer cleanup()
		builds = []bench.Build{{Name: "processor", Executable: exe}}
	}
	if opts.doSweep && len(builds) > 1 {
		fmt.Fprintln(stderr, "s321-bench: --sweep measures one processor; give --processor once")
		return errUsage
	}

	var reports []any
	if opts.doSweep {
		cfg := opts.sweep
		cfg.Executable = builds[0].Executable
		rep, err := bench.Sweep(ctx, cfg)
		if err != nil {
			return err
		}
		reports = append(reports, rep)
	} else {
		reps, err := bench.RunEach(ctx, opts.sweep.Config, builds)
		if err != nil {
			return err
		}
		for _, r := range reps {
			reports = append(reports, r)
		}
		if len(reps) > 1 {
			fmt.Fprintln(stderr)
			if err := bench.WriteComparison(stderr, reps); err != nil {
				return err
			}
		}
	}
	var lines []byte
	for _, rep := range reports {
		line, err := json.Marshal(rep)
		if err != nil {
			return fmt.Errorf("encode report: %w", err)
		}
		lines = append(append(lines, line...), '\n')
	}
	if _, err := stdout.Write(lines); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if opts.out != "" {
		if err := os.WriteFile(opts.out, lines, 0o644); err != nil {
			return fmt.Errorf("write report: %w", err)
		}
	}
	return nil
}

func parseOptions(args []string, stderr io.Writer) (options, error) {
	opts := options{sweep: bench.DefaultSweepConfig()}
	cfg := &opts.sweep
	fs := flag.NewFlagSet("s321-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `usage: s321-bench [flags]
       s321-bench --processor NAME=PATH --processor NAME=PATH [flags]
       s321-bench --sweep [--plot FILE] [flags]

Measures processor binaries end to end on this machine: starts
redis-server (which must be installed), the binary's embedded broker and
processor as separate processes on free loopback ports, preloads generated
manifests, and times the processor until every one is answered, with the
CPU each process spent a parcel; then a paced run at half that rate for
latency, the same binary with --max-batch 1 as the baseline, and
"processor replay" on a generated file; finally redis-server alone with the
processor's Redis work. Prints one JSON line a binary (with --rounds, one a
binary and round), and with several a table of their figures side by side
on stderr. With --sweep, offers load at fractions of the maximum rate
instead, and with --plot draws it.

Without --processor it measures the "processor" beside this binary, or,
when there is none (as under "go run"), ./cmd/processor built from the
module of the current directory into a temporary directory.
See docs/performance.md.

`)
		fs.PrintDefaults()
	}
	fs.Var(&opts.processors, "processor", "`[NAME=]PATH` of a processor binary to measure; repeat it to measure several in turn (default: see above)")
	fs.IntVar(&cfg.Parcels, "parcels", cfg.Parcels, "manifests preloaded for the drain run (with --sweep: to find the maximum rate)")
	fs.IntVar(&cfg.Partitions, "partitions", cfg.Partitions, "partitions of every topic")
	fs.IntVar(&cfg.Instances, "instances", cfg.Instances, "processors in the consumer group")
	fs.IntVar(&cfg.MaxBatch, "max-batch", cfg.MaxBatch, "the processors' --max-batch")
	fs.IntVar(&cfg.BaselineParcels, "baseline-parcels", cfg.BaselineParcels, "manifests of the baseline run (--max-batch 1); 0 skips it")
	fs.BoolVar(&cfg.Paced, "paced", cfg.Paced, "also run at half the measured rate and report its latency")
	fs.DurationVar(&cfg.PacedDuration, "paced-duration", cfg.PacedDuration, "how long the paced run produces")
	fs.IntVar(&cfg.ReplayParcels, "replay-parcels", cfg.ReplayParcels, "manifests of a generated file decided by \"processor replay\" on its embedded store; 0 skips it")
	fs.IntVar(&cfg.RedisLimitOps, "redis-limit-ops", cfg.RedisLimitOps, "parcels whose Redis work (links, reads and compare-and-set writes of their subjects) is applied to measure redis-server alone; 0 skips it")
	fs.BoolVar(&cfg.RedisAOF, "redis-aof", cfg.RedisAOF, "run redis-server with an append-only file (appendfsync everysec), as in production; false runs it without persistence")
	fs.IntVar(&cfg.RedisMasters, "redis-masters", cfg.RedisMasters, "run a Redis Cluster of this many masters in place of one redis-server (0: one server); the Redis figures are the masters' together")
	fs.Uint64Var(&cfg.Seed, "seed", cfg.Seed, "seed of the generated manifests")
	fs.DurationVar(&cfg.Stall, "stall", cfg.Stall, "fail when the group commits nothing new for this long")
	fs.DurationVar(&cfg.Timeout, "timeout", cfg.Timeout, "fail when a run is not caught up after this long")
	fs.IntVar(&cfg.Rounds, "rounds", cfg.Rounds, "measure every processor this many times, in turn, the order reversed every other round; the table on stderr gives medians and, with several processors, each round's ratio")
	fs.StringVar(&opts.out, "out", "", "also write the JSON lines to this file")
	fs.BoolVar(&opts.doSweep, "sweep", false, "offer load at fractions of the maximum rate instead")
	fs.Float64Var(&cfg.MaxRate, "max-rate", 0, "with --sweep: the maximum rate in manifests/s; 0 measures it with a drain of --parcels")
	fractions := fs.String("fractions", joinFractions(cfg.Fractions), "with --sweep: fractions of the maximum rate offered, comma-separated")
	fs.DurationVar(&cfg.StepDuration, "step", cfg.StepDuration, "with --sweep: how long each rate is offered")
	fs.StringVar(&cfg.PlotPath, "plot", "", "with --sweep: write a PNG of throughput and latency against offered load to this file; empty writes none")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return opts, err
		}
		return opts, errUsage
	}
	var problems []error
	if fs.NArg() > 0 {
		problems = append(problems, fmt.Errorf("unexpected argument %q", fs.Arg(0)))
	}
	fracs, err := parseFractions(*fractions)
	if err != nil {
		problems = append(problems, fmt.Errorf("--fractions %q: %w", *fractions, err))
	}
	cfg.Fractions = fracs
	if cfg.PlotPath != "" && !opts.doSweep {
		problems = append(problems, errors.New("--plot: only with --sweep"))
	}
	if cfg.Rounds != 1 && opts.doSweep {
		problems = append(problems, errors.New("--rounds: not with --sweep"))
	}
	cfg.Executable = "processor" // replaced by each binary measured; here only to validate the rest
	if err := cfg.Validate(); err != nil {
		problems = append(problems, err)
	}
	if err := errors.Join(problems...); err != nil {
		fmt.Fprintf(fs.Output(), "s321-bench: %v\n\"s321-bench -h\" lists the flags\n", err)
		return opts, errUsage
	}
	return opts, nil
}

// processorFlags collects --processor [NAME=]PATH in order.
type processorFlags []bench.Build

func (p *processorFlags) String() string {
	parts := make([]string, len(*p))
	for i, b := range *p {
		parts[i] = b.Name + "=" + b.Executable
	}
	return strings.Join(parts, ",")
}

func (p *processorFlags) Set(text string) error {
	name, path, named := strings.Cut(text, "=")
	if !named {
		name, path = text, text
	}
	if name == "" || path == "" {
		return errors.New("want [NAME=]PATH")
	}
	for _, b := range *p {
		if b.Name == name {
			return fmt.Errorf("name %q given twice", name)
		}
	}
	info, err := os.Stat(path)
	if err != nil {
		return err
	}
	if info.IsDir() || info.Mode()&0o111 == 0 {
		return fmt.Errorf("%s is not an executable file", path)
	}
	*p = append(*p, bench.Build{Name: name, Executable: path})
	return nil
}

func (p processorFlags) builds() []bench.Build { return p }

// parseFractions reads "0.1,0.5,1".
func parseFractions(s string) ([]float64, error) {
	var out []float64
	for part := range strings.SplitSeq(s, ",") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
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
