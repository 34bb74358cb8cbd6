package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// buildProcessor builds cmd/processor into a temporary directory: the
// bench starts the real binary as the broker and the processors.
func buildProcessor(t *testing.T) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	out := filepath.Join(t.TempDir(), "processor")
	cmd := exec.Command(goBin, "build", "-o", out, "github.com/s321/s321/cmd/processor")
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build cmd/processor: %v\n%s", err, msg)
	}
	return out
}

func needRedis(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Fatalf("redis-server is not installed (the README's test command installs it): %v", err)
	}
}

// smallRun is the bench's configuration for a run of 2,000 parcels with
// a paced run of 2 s, the real processor built for it.
func smallRun(t *testing.T) Config {
	t.Helper()
	if testing.Short() {
		t.Skip("starts redis-server, a broker and processors")
	}
	needRedis(t)
	cfg := DefaultConfig()
	cfg.Executable = buildProcessor(t)
	cfg.Parcels = 2000
	cfg.PacedDuration = 2 * time.Second
	cfg.Stall = 30 * time.Second
	cfg.Timeout = 3 * time.Minute
	return cfg
}

// runSmall runs cfg and returns its report and progress lines.
func runSmall(t *testing.T, cfg Config) (*Report, string) {
	t.Helper()
	var progress bytes.Buffer
	cfg.Log = &progress
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	rep, err := Run(ctx, cfg)
	if err != nil {
		t.Fatalf("Run: %v\nprogress:\n%s", err, progress.String())
	}
	return rep, progress.String()
}

// TestRunReportsEveryField runs the whole bench on a few thousand parcels
// and checks the report is complete and its figures hang together. It
// asserts nothing about speed: this machine's load decides that.
func TestRunReportsEveryField(t *testing.T) {
	cfg := smallRun(t)
	cfg.BaselineParcels = 500
	cfg.RedisLimitOps = 5000
	cfg.ReplayParcels = 2000
	rep, _ := runSmall(t, cfg)

	line, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var fields map[string]any
	if err := json.Unmarshal(line, &fields); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"parcels", "seconds", "parcels_per_second", "p50_ms", "p99_ms", "latency_from",
		"peak_rss_mb", "baseline", "redis_limit_per_second", "drain_latency", "paced", "outputs", "load_average", "machine",
		"redis_us_per_parcel", "processor_us_per_parcel", "broker_us_per_parcel", "redis_rewrite_us_per_parcel", "redis_aof",
		"replay_per_second", "replay", "build"} {
		if _, ok := fields[key]; !ok {
			t.Errorf("report has no %q: %s", key, line)
		}
	}
	baseline, _ := fields["baseline"].(map[string]any)
	for _, key := range []string{"parcels", "seconds", "parcels_per_second", "p50_ms", "p99_ms", "peak_rss_mb"} {
		if _, ok := baseline[key]; !ok {
			t.Errorf("baseline has no %q: %s", key, line)
		}
	}

	checkFigures(t, "main", rep.Figures, cfg.Parcels, cfg.MaxBatch)
	if !rep.RedisAOF {
		t.Error("redis_aof false: the default runs redis-server with an append-only file")
	}
	if rep.Baseline == nil {
		t.Fatal("no baseline")
	}
	checkFigures(t, "baseline", *rep.Baseline, cfg.BaselineParcels, 1)
	if rep.RedisLimitPerSecond <= 0 || rep.RedisLimit == nil || rep.RedisLimit.Parcels != cfg.RedisLimitOps || len(rep.RedisLimit.ByClients) != 3 {
		t.Errorf("redis limit %g, %+v: want a positive rate over %d parcels with 3 client counts", rep.RedisLimitPerSecond, rep.RedisLimit, cfg.RedisLimitOps)
	} else if rep.RedisLimit.OpsPerParcel < 1 || rep.RedisLimit.OpsPerSecond < rep.RedisLimitPerSecond {
		// Every valid parcel costs at least its recipient's day.
		t.Errorf("redis limit %+v: want at least one script call a parcel", rep.RedisLimit)
	}
	if rep.SpeedupVsBaseline <= 0 || rep.FractionOfRedisLimit <= 0 {
		t.Errorf("speedup %g, fraction of redis limit %g: want both above 0", rep.SpeedupVsBaseline, rep.FractionOfRedisLimit)
	}
	if rep.Replay == nil || rep.Replay.Parcels != cfg.ReplayParcels || rep.ReplayPerSecond != rep.Replay.ParcelsPerSecond || rep.ReplayPerSecond <= 0 || rep.Replay.CPUUSPerParcel <= 0 {
		t.Errorf("replay %+v at %g/s: want %d parcels at a positive rate and CPU", rep.Replay, rep.ReplayPerSecond, cfg.ReplayParcels)
	}
	if rep.Build != cfg.Executable || rep.Executable != cfg.Executable {
		t.Errorf("build %q, executable %q: want both %q", rep.Build, rep.Executable, cfg.Executable)
	}
	if rep.Machine.CPUs < 1 || rep.Machine.RedisVersion == "" {
		t.Errorf("machine %+v: want CPUs and the redis version", rep.Machine)
	}
}

// TestRedisPersistence checks that --redis-aof decides whether the
// bench's redis-server keeps an append-only file.
func TestRedisPersistence(t *testing.T) {
	needRedis(t)
	for _, aof := range []bool{true, false} {
		dir := t.TempDir()
		srv, addr, err := startRedis(context.Background(), dir, aof)
		if err != nil {
			t.Fatal(err)
		}
		rdb := redis.NewClient(&redis.Options{Addr: addr})
		got, err := rdb.ConfigGet(context.Background(), "appendonly").Result()
		rdb.Close()
		srv.stop(5 * time.Second)
		if err != nil {
			t.Fatal(err)
		}
		want := map[bool]string{true: "yes", false: "no"}[aof]
		if got["appendonly"] != want {
			t.Errorf("aof %v: appendonly %q, want %q", aof, got["appendonly"], want)
		}
	}
}

// TestCPUSecondsBetween: the CPU time between two readings, rounded for
// the report, keeps each kind's figure, the bench's own too.
func TestCPUSecondsBetween(t *testing.T) {
	before := CPUSeconds{Processors: 1, Broker: 2, Redis: 3, RedisRewrites: 4, Bench: 5}
	after := CPUSeconds{Processors: 1.54, Broker: 2.26, Redis: 3.81, RedisRewrites: 4.5, Bench: 5.33}
	want := CPUSeconds{Processors: 0.5, Broker: 0.3, Redis: 0.8, RedisRewrites: 0.5, Bench: 0.3}
	if got := after.minus(before).rounded(); got != want {
		t.Errorf("%+v minus %+v, rounded: %+v, want %+v", after, before, got, want)
	}
}

// TestCPUSecondsWithChildren reads this process's own CPU time and that
// of a child it has waited for.
func TestCPUSecondsWithChildren(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc")
	}
	_, before := cpuSecondsWithChildren(os.Getpid())
	// A child that spins for about 0.3 s of CPU, then is waited for.
	cmd := exec.Command("sh", "-c", `end=$(($(date +%s%N) + 300000000)); while [ $(date +%s%N) -lt $end ]; do :; done`)
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	own, after := cpuSecondsWithChildren(os.Getpid())
	if own <= 0 {
		t.Errorf("own CPU %g s: want some", own)
	}
	if after <= before {
		t.Errorf("children's CPU %g s before and %g after a child that spun: want more after", before, after)
	}
}

func checkFigures(t *testing.T, name string, f Figures, parcels, maxBatch int) {
	t.Helper()
	if f.Parcels != parcels || f.MaxBatch != maxBatch {
		t.Errorf("%s: %d parcels at max batch %d, want %d at %d", name, f.Parcels, f.MaxBatch, parcels, maxBatch)
	}
	if f.Seconds <= 0 || f.ParcelsPerSecond <= 0 {
		t.Errorf("%s: %g s, %g/s: want both above 0", name, f.Seconds, f.ParcelsPerSecond)
	}
	if want := float64(parcels) / f.Seconds; f.ParcelsPerSecond < want*0.99 || f.ParcelsPerSecond > want*1.01 {
		t.Errorf("%s: %g/s is not %d parcels over %g s", name, f.ParcelsPerSecond, parcels, f.Seconds)
	}
	if f.P50MS < 0 || f.P99MS < f.P50MS || f.Drain.P99MS < f.Drain.P50MS || f.Drain.MaxMS < f.Drain.P99MS {
		t.Errorf("%s: latencies out of order: p50 %g p99 %g, drain %+v", name, f.P50MS, f.P99MS, f.Drain)
	}
	if !strings.HasPrefix(f.LatencyFrom, "paced at ") || f.Paced == nil {
		t.Errorf("%s: latency from %q, paced %v: want the paced run", name, f.LatencyFrom, f.Paced)
	} else if f.Paced.P50MS != f.P50MS || f.Paced.P99MS != f.P99MS || f.Paced.Parcels < 1 || f.Paced.Count < 1 {
		t.Errorf("%s: paced %+v does not match p50 %g p99 %g", name, *f.Paced, f.P50MS, f.P99MS)
	}
	if _, err := os.Stat("/proc/self/status"); err == nil && (f.PeakRSSMB <= 0 || len(f.PeakRSSMBEach) != 1) {
		t.Errorf("%s: peak RSS %g MiB (each %v): want one positive figure", name, f.PeakRSSMB, f.PeakRSSMBEach)
	}
	// Every manifest gets exactly one answer, a decision or a rejection;
	// the generator sends a few bad messages, so both kinds appear.
	if f.Outputs.Decisions+f.Outputs.Rejected < parcels || f.Outputs.Decisions == 0 || f.Outputs.Rejected == 0 {
		t.Errorf("%s: outputs %+v for %d parcels: want a decision or rejection each, both kinds present", name, f.Outputs, parcels)
	}
	if _, err := os.Stat("/proc/self/stat"); err == nil {
		// CPU a parcel is CPU seconds over parcels; the broker may use
		// under a clock tick on a small run, the processor and Redis not.
		if f.ProcessorUSPerParcel <= 0 || f.RedisUSPerParcel <= 0 || f.BrokerUSPerParcel < 0 {
			t.Errorf("%s: µs a parcel processor %g, redis %g, broker %g: want processor and redis above 0", name, f.ProcessorUSPerParcel, f.RedisUSPerParcel, f.BrokerUSPerParcel)
		}
		if want := f.CPU.Processors * 1e6 / float64(parcels); math.Abs(f.ProcessorUSPerParcel-want) > 0.05e6/float64(parcels)+0.05 {
			t.Errorf("%s: processor %g µs a parcel is not %g CPU seconds over %d parcels", name, f.ProcessorUSPerParcel, f.CPU.Processors, parcels)
		}
	}
	if f.Drain.Count != f.Outputs.Decisions {
		t.Errorf("%s: %d latencies for %d decisions", name, f.Drain.Count, f.Outputs.Decisions)
	}
}

// TestSweepWritesThePlot offers two small rates and checks each point and
// the plot file.
func TestSweepWritesThePlot(t *testing.T) {
	if testing.Short() {
		t.Skip("starts redis-server, a broker and a processor")
	}
	needRedis(t)
	cfg := DefaultSweepConfig()
	cfg.Executable = buildProcessor(t)
	cfg.MaxRate = 400
	cfg.Fractions = []float64{0.5, 1}
	cfg.StepDuration = 2 * time.Second
	cfg.PlotPath = filepath.Join(t.TempDir(), "sweep.png")
	cfg.Stall = 30 * time.Second
	cfg.Timeout = 2 * time.Minute
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	rep, err := Sweep(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Points) != 2 || rep.MaxRateFrom != "flag" {
		t.Fatalf("report %+v: want 2 points from the flag's rate", rep)
	}
	for _, pt := range rep.Points {
		if pt.OfferedPerSecond <= 0 || pt.AchievedPerSecond <= 0 || pt.Count == 0 || pt.P99MS < pt.P50MS {
			t.Errorf("point %+v: want offered, achieved and ordered latencies", pt)
		}
		if pt.TargetPerSecond != pt.Fraction*cfg.MaxRate {
			t.Errorf("point %+v: target is not %g of %g", pt, pt.Fraction, cfg.MaxRate)
		}
	}
	if info, err := os.Stat(cfg.PlotPath); err != nil || info.Size() == 0 || rep.Plot != cfg.PlotPath {
		t.Errorf("plot %s: %v (report says %q)", cfg.PlotPath, err, rep.Plot)
	}
}

// TestRedisCluster checks that the bench's Redis Cluster deals every
// hash slot out to its masters in even ranges, one master each, and
// that keys land on all of them.
func TestRedisCluster(t *testing.T) {
	needRedis(t)
	ctx := context.Background()
	nodes, addrs, err := startRedisCluster(ctx, t.TempDir(), 3, false)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		for _, n := range nodes {
			n.stop(5 * time.Second)
		}
	}()
	first := redis.NewClient(&redis.Options{Addr: addrs[0]})
	defer first.Close()
	slots, err := first.ClusterSlots(ctx).Result()
	if err != nil {
		t.Fatal(err)
	}
	owners := map[string]int{}
	covered := 0
	for _, s := range slots {
		if len(s.Nodes) != 1 {
			t.Errorf("slots %d-%d served by %v: want one master, no replicas", s.Start, s.End, s.Nodes)
			continue
		}
		owners[s.Nodes[0].Addr] += s.End - s.Start + 1
		covered += s.End - s.Start + 1
	}
	if covered != clusterSlots || len(owners) != 3 {
		t.Fatalf("%d slots covered by %v: want all %d over the 3 masters %v", covered, owners, clusterSlots, addrs)
	}
	for _, addr := range addrs {
		if n := owners[addr]; n < clusterSlots/3 || n > clusterSlots/3+1 {
			t.Errorf("master %s serves %d slots: want %d or %d", addr, n, clusterSlots/3, clusterSlots/3+1)
		}
	}
	cluster := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs})
	defer cluster.Close()
	for i := range 300 {
		if err := cluster.Set(ctx, "k"+strconv.Itoa(i), i, 0).Err(); err != nil {
			t.Fatal(err)
		}
	}
	for _, addr := range addrs {
		rdb := redis.NewClient(&redis.Options{Addr: addr})
		n, err := rdb.DBSize(ctx).Result()
		rdb.Close()
		if err != nil || n == 0 {
			t.Errorf("master %s holds %d keys (%v): want some of the 300", addr, n, err)
		}
	}
}

// TestRunOnRedisCluster runs the drain and paced runs with the
// processors counting in a Redis Cluster of 3 masters.
func TestRunOnRedisCluster(t *testing.T) {
	cfg := smallRun(t)
	cfg.RedisMasters = 3
	cfg.BaselineParcels = 0
	cfg.RedisLimitOps = 0
	cfg.ReplayParcels = 0
	rep, progress := runSmall(t, cfg)
	checkFigures(t, "main", rep.Figures, cfg.Parcels, cfg.MaxBatch)
	if rep.RedisMasters != 3 {
		t.Errorf("redis_masters %d: want 3", rep.RedisMasters)
	}
	if rep.RedisPerParcel["restore"].Calls <= 0 || rep.RedisPerParcel["set"].Calls <= 0 {
		t.Errorf("redis per parcel %v: want the masters' RESTOREs and SETs", rep.RedisPerParcel)
	}
	if !regexp.MustCompile(`redis-server pid \d+,\d+,\d+ on `).MatchString(progress) {
		t.Errorf("progress names no 3 redis-server pids:\n%s", progress)
	}
}
