package bench

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Figures are the results of one design measured end to end: the
// throughput of draining preloaded manifests, and the latency of the
// paced run when there is one (else of the drain, queueing included).
type Figures struct {
	// Parcels is the number of manifests preloaded and drained.
	Parcels int `json:"parcels"`
	// Seconds runs from the first processor's /readyz answering 200 to
	// the broker timestamp of the last answer (decision or rejection).
	Seconds float64 `json:"seconds"`
	// ParcelsPerSecond is Parcels / Seconds.
	ParcelsPerSecond float64 `json:"parcels_per_second"`
	// P50MS and P99MS are the manifest-to-decision latencies of the run
	// LatencyFrom names ("paced at N/s" or "drain").
	P50MS       float64 `json:"p50_ms"`
	P99MS       float64 `json:"p99_ms"`
	LatencyFrom string  `json:"latency_from"`
	// PeakRSSMB is the largest VmHWM of the processors in the drain run,
	// in MiB; PeakRSSMBEach lists each instance's.
	PeakRSSMB     float64   `json:"peak_rss_mb"`
	PeakRSSMBEach []float64 `json:"peak_rss_mb_each"`
	// MaxBatch, Partitions and Instances say how the processors ran.
	MaxBatch   int `json:"max_batch"`
	Partitions int `json:"partitions"`
	Instances  int `json:"instances"`
	// Drain is the latency of the drain run, which includes the time a
	// manifest waited in the preloaded topic.
	Drain Latency `json:"drain_latency"`
	// Paced is the paced run, when one ran.
	Paced *Paced `json:"paced,omitempty"`
	// Outputs counts what the drain run published.
	Outputs Outputs `json:"outputs"`
	// LoadAverage is /proc/loadavg (1, 5, 15 minutes) when the drain run
	// was caught up, with the children still running.
	LoadAverage []float64 `json:"load_average"`
	// CPU is the CPU time each kind of child used from readiness to
	// catching up (the bench itself is idle then).
	CPU CPUSeconds `json:"cpu_seconds"`
	// RedisUSPerParcel, ProcessorUSPerParcel and BrokerUSPerParcel are
	// those CPU times over Parcels, in microseconds: what one parcel costs
	// each process in the drain (the processors' summed). Redis's
	// append-only-file rewrites run in a forked child and are not in it:
	// RedisRewriteUSPerParcel is those the drain set off, counted to
	// their end.
	RedisUSPerParcel        float64 `json:"redis_us_per_parcel"`
	ProcessorUSPerParcel    float64 `json:"processor_us_per_parcel"`
	BrokerUSPerParcel       float64 `json:"broker_us_per_parcel"`
	RedisRewriteUSPerParcel float64 `json:"redis_rewrite_us_per_parcel"`
	// RedisAOF says whether redis-server kept an append-only file.
	RedisAOF bool `json:"redis_aof"`
	// RedisMasters is the masters of the Redis Cluster the processors
	// counted in, 0 for one redis-server.
	RedisMasters int `json:"redis_masters"`
	// RedisPerParcel is what redis-server ran during the drain, per
	// command, in calls and microseconds per parcel (INFO commandstats;
	// the commands a script runs count again inside its evalsha).
	RedisPerParcel map[string]CommandCount `json:"redis_per_parcel,omitempty"`
}

// Paced is a run that produces at a fixed rate while the processors run.
type Paced struct {
	// OfferedPerSecond is the target rate; Parcels were produced in
	// ProduceSeconds.
	OfferedPerSecond float64 `json:"offered_per_second"`
	Parcels          int     `json:"parcels"`
	ProduceSeconds   float64 `json:"produce_seconds"`
	// ParcelsPerSecond is Parcels over the time from the first manifest's
	// timestamp to the last answer's.
	ParcelsPerSecond float64 `json:"parcels_per_second"`
	Latency
	PeakRSSMB   float64   `json:"peak_rss_mb"`
	LoadAverage []float64 `json:"load_average"`
	// Stages is where the batches' time went, by stage, from the
	// processors' metrics.
	Stages map[string]Stage `json:"stages,omitempty"`
}

// Report is what `s321-bench` prints for one processor binary, as one
// JSON line.
type Report struct {
	// Build names the processor binary measured (the NAME of
	// --processor NAME=PATH, else its path), Executable is its path.
	Build      string `json:"build"`
	Executable string `json:"executable"`
	// Round is the round of RunEach that measured it, from 1.
	Round int `json:"round"`
	Figures
	// Baseline is the straightforward design: the same binary with
	// --max-batch 1 and a worker a partition, one Redis round trip and
	// one produce per message.
	Baseline *Figures `json:"baseline,omitempty"`
	// RedisLimitPerSecond is what redis-server alone does with the
	// processor's Redis work, in parcels a second; see RedisLimit.
	RedisLimitPerSecond float64     `json:"redis_limit_per_second"`
	RedisLimit          *RedisLimit `json:"redis_limit,omitempty"`
	// SpeedupVsBaseline and FractionOfRedisLimit compare ParcelsPerSecond
	// with the baseline's and with RedisLimitPerSecond; 0 when not run.
	SpeedupVsBaseline    float64 `json:"speedup_vs_baseline"`
	FractionOfRedisLimit float64 `json:"fraction_of_redis_limit"`
	// ReplayPerSecond is Replay's parcels a second, 0 when not run.
	ReplayPerSecond float64 `json:"replay_per_second"`
	Replay          *Replay `json:"replay,omitempty"`
	Machine         Machine `json:"machine"`
}

// Build is one processor binary to measure.
type Build struct {
	// Name labels the binary's report ("base", "head", a commit).
	Name string
	// Executable is the binary's path.
	Executable string
}

// RunEach measures every build in turn with cfg (cfg.Executable is
// replaced by each build's), on fresh stacks, cfg.Rounds times: in the
// order given in odd rounds and in the reverse order in even ones (A B,
// B A, A B, ...), so that a machine that drifts faster or slower over the
// rounds favours no build. It returns a report for each build in each
// round, in the order measured, each naming its round. redis-server alone
// does not depend on the processor binary, so it is measured once and
// shared by every report.
func RunEach(ctx context.Context, cfg Config, builds []Build) ([]*Report, error) {
	if len(builds) == 0 {
		return nil, errors.New("no processor binary to measure")
	}
	each := cfg
	each.RedisLimitOps = 0
	rounds := max(cfg.Rounds, 1)
	reports := make([]*Report, 0, rounds*len(builds))
	for round := 1; round <= rounds; round++ {
		for _, b := range roundOrder(builds, round) {
			each.Executable = b.Executable
			logf(cfg.Log, "measuring %s (%s), round %d of %d", b.Name, b.Executable, round, rounds)
			rep, err := Run(ctx, each)
			if err != nil {
				return nil, fmt.Errorf("%s, round %d: %w", b.Name, round, err)
			}
			rep.Build, rep.Round = b.Name, round
			reports = append(reports, rep)
		}
	}
	if cfg.RedisLimitOps > 0 {
		limit, err := MeasureRedisLimit(ctx, cfg.RedisLimitOps, cfg.Seed+1000, cfg.RedisAOF, cfg.Log)
		if err != nil {
			return nil, fmt.Errorf("redis limit: %w", err)
		}
		for _, rep := range reports {
			rep.setRedisLimit(limit)
		}
	}
	return reports, nil
}

// roundOrder is the order RunEach measures builds in round (from 1): as
// given in odd rounds, reversed in even ones.
func roundOrder(builds []Build, round int) []Build {
	order := slices.Clone(builds)
	if round%2 == 0 {
		slices.Reverse(order)
	}
	return order
}

// setRedisLimit records redis-server's limit and the fraction of it the
// drain reached.
func (r *Report) setRedisLimit(limit RedisLimit) {
	r.RedisLimit = &limit
	r.RedisLimitPerSecond = limit.PerSecond
	if limit.PerSecond > 0 {
		r.FractionOfRedisLimit = round3(r.ParcelsPerSecond / limit.PerSecond)
	}
}

// Machine describes where the figures were taken.
type Machine struct {
	CPUs         int    `json:"cpus"`
	GoVersion    string `json:"go_version"`
	RedisVersion string `json:"redis_version"`
	// LoadAverageStart is /proc/loadavg before the first child started.
	LoadAverageStart []float64 `json:"load_average_start"`
}

// Run measures the processor as cfg says: a drain run, a paced run at
// half its rate, the baseline (drain and paced), `processor replay` on a
// generated file, and redis-server alone.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("bench config: %w", err)
	}
	if _, err := exec.LookPath("redis-server"); err != nil {
		return nil, ErrNoRedis
	}
	rep := &Report{Build: cfg.Executable, Executable: cfg.Executable, Round: 1, Machine: machine()}

	main, err := measure(ctx, cfg, cfg.Parcels, cfg.MaxBatch, "main")
	if err != nil {
		return nil, err
	}
	rep.Figures = main
	if cfg.BaselineParcels > 0 {
		base := cfg
		base.Instances = 1
		// A worker a partition, each batch one message: the environment
		// sets it, so that a build without --workers ignores it.
		base.Env = append(slices.Clip(cfg.Env), "PROCESSOR_WORKERS="+strconv.Itoa(cfg.Partitions))
		baseline, err := measure(ctx, base, cfg.BaselineParcels, 1, "baseline")
		if err != nil {
			return nil, fmt.Errorf("baseline: %w", err)
		}
		rep.Baseline = &baseline
		if baseline.ParcelsPerSecond > 0 {
			rep.SpeedupVsBaseline = round1(main.ParcelsPerSecond / baseline.ParcelsPerSecond)
		}
	}
	if cfg.ReplayParcels > 0 {
		replay, err := measureReplay(ctx, cfg)
		if err != nil {
			return nil, err
		}
		rep.Replay = &replay
		rep.ReplayPerSecond = replay.ParcelsPerSecond
	}
	if cfg.RedisLimitOps > 0 {
		limit, err := MeasureRedisLimit(ctx, cfg.RedisLimitOps, cfg.Seed+1000, cfg.RedisAOF, cfg.Log)
		if err != nil {
			return nil, fmt.Errorf("redis limit: %w", err)
		}
		rep.setRedisLimit(limit)
	}
	return rep, nil
}

// measure runs one design: a drain run of parcels, then, with cfg.Paced,
// a paced run at half the rate it reached.
func measure(ctx context.Context, cfg Config, parcels, maxBatch int, name string) (Figures, error) {
	fig, err := drainRun(ctx, cfg, parcels, maxBatch, name)
	if err != nil {
		return Figures{}, err
	}
	fig.P50MS, fig.P99MS, fig.LatencyFrom = fig.Drain.P50MS, fig.Drain.P99MS, "drain"
	if !cfg.Paced {
		return fig, nil
	}
	rate := fig.ParcelsPerSecond / 2
	paced, err := pacedRun(ctx, cfg, rate, cfg.PacedDuration, maxBatch, name)
	if err != nil {
		return Figures{}, fmt.Errorf("paced run: %w", err)
	}
	fig.Paced = &paced
	fig.P50MS, fig.P99MS = paced.P50MS, paced.P99MS
	fig.LatencyFrom = fmt.Sprintf("paced at %.0f/s", rate)
	return fig, nil
}

// drainRun preloads parcels manifests, then starts the processors and
// times them until every manifest is answered.
func drainRun(ctx context.Context, cfg Config, parcels, maxBatch int, name string) (Figures, error) {
	s, err := newStack(ctx, cfg)
	if err != nil {
		return Figures{}, err
	}
	defer s.close()

	logf(cfg.Log, "%s: preloading %d manifests into %d partitions", name, parcels, cfg.Partitions)
	prod, err := newProducer(s.brokerAddr, cfg.Seed)
	if err != nil {
		return Figures{}, err
	}
	start := time.Now()
	err = prod.preload(ctx, parcels)
	prod.close()
	if err != nil {
		return Figures{}, err
	}
	logf(cfg.Log, "%s: preloaded in %.1fs; starting %d processor(s)", name, time.Since(start).Seconds(), cfg.Instances)

	readyAt, err := s.startProcessors(ctx, maxBatch)
	if err != nil {
		return Figures{}, err
	}
	cpuBefore := s.cpu()
	if err := s.kafka.waitCaughtUp(ctx, s.procs, cfg.Stall, cfg.Timeout); err != nil {
		return Figures{}, err
	}
	caughtUp := time.Now()
	cpuUsed := s.cpu().minus(cpuBefore)
	perParcel, err := s.redisPerParcel(ctx, parcels)
	if err != nil {
		return Figures{}, err
	}
	peak, each := s.peakRSSMB()
	load := loadAverage()
	logf(cfg.Log, "%s: caught up after %.1fs (load %v); reading answers", name, caughtUp.Sub(readyAt).Seconds(), load)
	s.stopProcessors()
	if cpuUsed.RedisRewrites, err = s.rewritesAfter(ctx, cpuBefore, 2*time.Minute); err != nil {
		return Figures{}, err
	}
	cpu := cpuUsed.rounded()

	ans, err := s.readAnswers(ctx)
	if err != nil {
		return Figures{}, err
	}
	in, err := s.kafka.readInputTimes(ctx)
	if err != nil {
		return Figures{}, err
	}
	lat, err := ans.latencies(in, nil)
	if err != nil {
		return Figures{}, err
	}
	if answered := len(ans.decisions) + len(ans.rejected); answered < parcels {
		return Figures{}, fmt.Errorf("%d manifests but only %d answers", parcels, answered)
	}
	seconds := float64(ans.lastMS()-readyAt.UnixMilli()) / 1000
	fig := Figures{
		Parcels:          parcels,
		Seconds:          round3(seconds),
		ParcelsPerSecond: perSecond(int64(parcels), seconds),
		PeakRSSMB:        peak,
		PeakRSSMBEach:    each,
		MaxBatch:         maxBatch,
		Partitions:       cfg.Partitions,
		Instances:        cfg.Instances,
		Drain:            summarize(lat),
		Outputs:          ans.outputs(),
		LoadAverage:      load,
		CPU:              cpu,
		RedisPerParcel:   perParcel,

		RedisUSPerParcel:     usPerParcel(cpuUsed.Redis, parcels),
		ProcessorUSPerParcel: usPerParcel(cpuUsed.Processors, parcels),
		BrokerUSPerParcel:    usPerParcel(cpuUsed.Broker, parcels),

		RedisRewriteUSPerParcel: usPerParcel(cpuUsed.RedisRewrites, parcels),
		RedisAOF:                cfg.RedisAOF,
		RedisMasters:            cfg.RedisMasters,
	}
	logf(cfg.Log, "%s: CPU while draining: processors %.1f s (%.1f µs a parcel), broker %.1f s (%.1f µs), redis %.1f s (%.1f µs), its rewrites %.1f s (%.1f µs)", name,
		cpu.Processors, fig.ProcessorUSPerParcel, cpu.Broker, fig.BrokerUSPerParcel, cpu.Redis, fig.RedisUSPerParcel,
		cpu.RedisRewrites, fig.RedisRewriteUSPerParcel)
	logf(cfg.Log, "%s: %d parcels in %.2fs = %.0f/s, drain p50 %.0fms p99 %.0fms, peak RSS %.1f MiB",
		name, parcels, fig.Seconds, fig.ParcelsPerSecond, fig.Drain.P50MS, fig.Drain.P99MS, fig.PeakRSSMB)
	return fig, nil
}

// pacedRun starts the processors on empty topics, then produces at rate
// for d and measures each decision's latency.
func pacedRun(ctx context.Context, cfg Config, rate float64, d time.Duration, maxBatch int, name string) (Paced, error) {
	if rate < 1 {
		return Paced{}, fmt.Errorf("rate %.2f/s: too low to pace", rate)
	}
	s, err := newStack(ctx, cfg)
	if err != nil {
		return Paced{}, err
	}
	defer s.close()
	if _, err := s.startProcessors(ctx, maxBatch); err != nil {
		return Paced{}, err
	}
	prod, err := newProducer(s.brokerAddr, cfg.Seed)
	if err != nil {
		return Paced{}, err
	}
	logf(cfg.Log, "%s: paced run, %.0f manifests/s for %s", name, rate, d)
	start := time.Now()
	err = prod.paced(ctx, rate, d)
	produceSeconds := time.Since(start).Seconds()
	prod.close()
	if err != nil {
		return Paced{}, err
	}
	if err := s.kafka.waitCaughtUp(ctx, s.procs, cfg.Stall, cfg.Timeout); err != nil {
		return Paced{}, err
	}
	peak, _ := s.peakRSSMB()
	load := loadAverage()
	histograms, err := s.scrapeHistograms(ctx)
	if err != nil {
		return Paced{}, err
	}
	stages := stagesBetween(nil, histograms)
	s.stopProcessors()

	ans, err := s.readAnswers(ctx)
	if err != nil {
		return Paced{}, err
	}
	in, err := s.kafka.readInputTimes(ctx)
	if err != nil {
		return Paced{}, err
	}
	lat, err := ans.latencies(in, nil)
	if err != nil {
		return Paced{}, err
	}
	firstMS := firstInputMS(in)
	paced := Paced{
		OfferedPerSecond: round1(rate),
		Parcels:          int(prod.produced),
		ProduceSeconds:   round3(produceSeconds),
		ParcelsPerSecond: perSecond(prod.produced, float64(ans.lastMS()-firstMS)/1000),
		Latency:          summarize(lat),
		PeakRSSMB:        peak,
		LoadAverage:      load,
		Stages:           stages,
	}
	logf(cfg.Log, "%s: paced %d parcels at %.0f/s: p50 %.0fms p99 %.0fms max %.0fms",
		name, paced.Parcels, rate, paced.P50MS, paced.P99MS, paced.MaxMS)
	logf(cfg.Log, "%s: paced batches: %s", name, stagesText(stages))
	return paced, nil
}

// firstInputMS is the earliest input timestamp.
func firstInputMS(in *inputTimes) int64 {
	first := int64(-1)
	for _, times := range in.times {
		if len(times) > 0 && (first < 0 || times[0] < first) {
			first = times[0]
		}
	}
	return first
}

func machine() Machine {
	m := Machine{CPUs: runtime.NumCPU(), GoVersion: runtime.Version(), LoadAverageStart: loadAverage()}
	if out, err := exec.Command("redis-server", "--version").Output(); err == nil {
		for _, field := range strings.Fields(string(out)) {
			if v, ok := strings.CutPrefix(field, "v="); ok {
				m.RedisVersion = v
			}
		}
	}
	return m
}
