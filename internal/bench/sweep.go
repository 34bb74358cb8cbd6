package bench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// SweepPoint is one offered rate of a sweep.
type SweepPoint struct {
	// Fraction is the share of the maximum rate offered.
	Fraction float64 `json:"fraction"`
	// TargetPerSecond is the rate asked of the producer; OfferedPerSecond
	// what it produced (manifests over the step's time).
	TargetPerSecond  float64 `json:"target_per_second"`
	OfferedPerSecond float64 `json:"offered_per_second"`
	// AchievedPerSecond is answers (decisions and rejections) with a
	// timestamp inside the step, over the step's time.
	AchievedPerSecond float64 `json:"achieved_per_second"`
	// Latency is of the decisions of the manifests produced in the step,
	// however late they came.
	Latency
	// CatchUpSeconds is how long after the step the group took to commit
	// the backlog (0 when there was none to speak of).
	CatchUpSeconds float64   `json:"catch_up_seconds"`
	LoadAverage    []float64 `json:"load_average"`
	// Stages is where the step's batches' time went, by stage, from the
	// processors' metrics.
	Stages map[string]Stage `json:"stages,omitempty"`
	// CPU is what each process spent from the step's start until the
	// group caught up.
	CPU CPUSeconds `json:"cpu_seconds"`
}

// SweepReport is what `s321-bench --sweep` prints.
type SweepReport struct {
	// MaxRate is the rate the fractions are of, and MaxRateFrom where it
	// came from ("flag" or "drain of N").
	MaxRate      float64      `json:"max_rate"`
	MaxRateFrom  string       `json:"max_rate_from"`
	StepSeconds  float64      `json:"step_seconds"`
	Partitions   int          `json:"partitions"`
	Instances    int          `json:"instances"`
	Points       []SweepPoint `json:"points"`
	PeakRSSMB    float64      `json:"peak_rss_mb"`
	Plot         string       `json:"plot,omitempty"`
	Machine      Machine      `json:"machine"`
	MaxRateDrain *Figures     `json:"max_rate_drain,omitempty"`
}

// Sweep offers load at each fraction of the maximum rate in turn, on one
// set of processors, waiting between steps until the backlog is
// committed, and records achieved throughput and latency at each. With
// cfg.PlotPath it writes the plot there.
func Sweep(ctx context.Context, cfg SweepConfig) (*SweepReport, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("sweep config: %w", err)
	}
	if _, err := exec.LookPath("redis-server"); err != nil {
		return nil, ErrNoRedis
	}
	if cfg.PlotPath != "" {
		// Fail now rather than after the whole sweep.
		if info, err := os.Stat(filepath.Dir(cfg.PlotPath)); err != nil || !info.IsDir() {
			return nil, fmt.Errorf("plot %s: its directory does not exist", cfg.PlotPath)
		}
	}
	rep := &SweepReport{
		Machine:     machine(),
		MaxRate:     cfg.MaxRate,
		MaxRateFrom: "flag",
		StepSeconds: cfg.StepDuration.Seconds(),
		Partitions:  cfg.Partitions,
		Instances:   cfg.Instances,
	}
	if rep.MaxRate == 0 {
		drain, err := drainRun(ctx, cfg.Config, cfg.Parcels, cfg.MaxBatch, "max rate")
		if err != nil {
			return nil, err
		}
		rep.MaxRate, rep.MaxRateFrom, rep.MaxRateDrain = drain.ParcelsPerSecond, fmt.Sprintf("drain of %d", cfg.Parcels), &drain
	}

	s, err := newStack(ctx, cfg.Config)
	if err != nil {
		return nil, err
	}
	defer s.close()
	if _, err := s.startProcessors(ctx, cfg.MaxBatch); err != nil {
		return nil, err
	}
	prod, err := newProducer(s.brokerAddr, cfg.Seed)
	if err != nil {
		return nil, err
	}
	defer prod.close()
	type step struct{ startMS, endMS, produced int64 }
	steps := make([]step, len(cfg.Fractions))
	histograms, err := s.scrapeHistograms(ctx)
	if err != nil {
		return nil, err
	}
	for i, f := range cfg.Fractions {
		target := f * rep.MaxRate
		logf(cfg.Log, "sweep: offering %.0f/s (%.0f%% of %.0f/s) for %s", target, 100*f, rep.MaxRate, cfg.StepDuration)
		before, cpuBefore := prod.produced, s.cpu()
		start := time.Now()
		if err := prod.paced(ctx, target, cfg.StepDuration); err != nil {
			return nil, err
		}
		end := time.Now()
		if err := s.kafka.waitCaughtUp(ctx, s.procs, cfg.Stall, cfg.Timeout); err != nil {
			return nil, err
		}
		steps[i] = step{startMS: start.UnixMilli(), endMS: end.UnixMilli(), produced: prod.produced - before}
		after, err := s.scrapeHistograms(ctx)
		if err != nil {
			return nil, err
		}
		point := SweepPoint{
			Fraction:         f,
			TargetPerSecond:  round1(target),
			OfferedPerSecond: perSecond(steps[i].produced, end.Sub(start).Seconds()),
			CatchUpSeconds:   round3(time.Since(end).Seconds()),
			LoadAverage:      loadAverage(),
			Stages:           stagesBetween(histograms, after),
			CPU:              s.cpu().minus(cpuBefore).rounded(),
		}
		histograms = after
		n := float64(max(steps[i].produced, 1)) / 1e6
		logf(cfg.Log, "sweep: at %.0f/s, CPU a parcel: processors %.1f µs, broker %.1f µs, redis %.1f µs, the bench %.1f µs; batches: %s",
			target, point.CPU.Processors/n, point.CPU.Broker/n, point.CPU.Redis/n, point.CPU.Bench/n, stagesText(point.Stages))
		rep.Points = append(rep.Points, point)
	}
	rep.PeakRSSMB, _ = s.peakRSSMB()
	s.stopProcessors()

	ans, err := s.readAnswers(ctx)
	if err != nil {
		return nil, err
	}
	in, err := s.kafka.readInputTimes(ctx)
	if err != nil {
		return nil, err
	}
	for i := range rep.Points {
		st := steps[i]
		// Input timestamps are taken when kafka-go encodes the produce
		// request, after the step's clock started: the step's manifests are
		// those stamped inside it (the last write may end a few ms late).
		lat, err := ans.latencies(in, func(inputMS int64) bool {
			return inputMS >= st.startMS && (inputMS <= st.endMS || (i+1 < len(steps) && inputMS < steps[i+1].startMS) || i+1 == len(steps))
		})
		if err != nil {
			return nil, err
		}
		rep.Points[i].Latency = summarize(lat)
		var answered int64
		for _, list := range [][]record{ans.decisions, ans.rejected} {
			for _, r := range list {
				if r.timeMS >= st.startMS && r.timeMS <= st.endMS {
					answered++
				}
			}
		}
		rep.Points[i].AchievedPerSecond = perSecond(answered, float64(st.endMS-st.startMS)/1000)
	}
	if cfg.PlotPath != "" {
		if err := WritePlot(cfg.PlotPath, rep); err != nil {
			return nil, err
		}
		rep.Plot = cfg.PlotPath
	}
	return rep, nil
}
