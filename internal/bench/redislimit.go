package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/s321/s321/internal/decide"
	"github.com/s321/s321/internal/event"
	"github.com/s321/s321/internal/generate"
	"github.com/s321/s321/internal/identity"
	"github.com/s321/s321/internal/process"
	"github.com/s321/s321/internal/redisinfo"
	"github.com/s321/s321/internal/window"
)

// RedisLimit is what redis-server alone does with the processor's Redis
// work: the link lookups and subject ops of generated manifests, built by
// the processor's own decode and key path, sent the way the processor
// sends them (per batch of Batch parcels, the links, then the ops through
// window.Store: the reads and compare-and-set writes a correct count
// needs), by Clients goroutines at once, on fresh keys. No Kafka, no
// processor.
type RedisLimit struct {
	// PerSecond is the rate at which that work keeps one redis-server
	// core busy: parcels over the CPU seconds redis-server spent on them
	// (the best over the client counts tried), comparable with the
	// processor's parcels_per_second. The counting rules run in the
	// client, so the wall-clock rate of a few clients (ByClients) is
	// bound by their CPU rather than by Redis's.
	PerSecond float64 `json:"per_second"`
	// USecPerParcel is redis-server's CPU per parcel at that rate.
	USecPerParcel float64 `json:"usec_per_parcel"`
	// OpsPerSecond is the subject ops a second at that rate.
	OpsPerSecond float64 `json:"ops_per_second"`
	// Clients is the number of concurrent pipelines that reached it.
	Clients int `json:"clients"`
	// Parcels is the number of parcels applied per measurement, Batch the
	// parcels per pipeline; OpsPerParcel and LinksPerParcel the script
	// calls and link requests a parcel costs on average.
	Parcels        int     `json:"parcels"`
	Batch          int     `json:"batch"`
	OpsPerParcel   float64 `json:"ops_per_parcel"`
	LinksPerParcel float64 `json:"links_per_parcel"`
	// ByClients is the rate reached with each client count.
	ByClients []ClientsRate `json:"by_clients"`
	// USecPerCall is redis-server's own account (INFO commandstats) of the
	// microseconds one call of each command took, over all measurements:
	// evalsha includes the commands the script runs.
	USecPerCall map[string]float64 `json:"usec_per_call"`
}

// ClientsRate is the rate reached with one number of concurrent
// pipelines, in parcels a second of the wall clock, and what redis-server
// spent a parcel.
type ClientsRate struct {
	Clients       int     `json:"clients"`
	PerSecond     float64 `json:"per_second"`
	USecPerParcel float64 `json:"redis_usec_per_parcel"`
}

// limitBatch is the parcels of one pipeline: the processor's default
// --max-batch.
const limitBatch = 1000

// MeasureRedisLimit starts its own redis-server and measures how fast it
// takes the Redis work of n parcels, with 1, 2 and 4 concurrent pipelines.
func MeasureRedisLimit(ctx context.Context, n int, seed uint64, aof bool, log io.Writer) (RedisLimit, error) {
	batches, err := CaptureBatches(ctx, n, seed)
	if err != nil {
		return RedisLimit{}, err
	}
	dir, err := os.MkdirTemp("", "s321-bench-redis-")
	if err != nil {
		return RedisLimit{}, fmt.Errorf("temp dir: %w", err)
	}
	defer os.RemoveAll(dir)
	srv, addr, err := startRedis(ctx, dir, aof)
	if err != nil {
		return RedisLimit{}, err
	}
	defer srv.stop(10 * time.Second)
	rdb := redis.NewClient(&redis.Options{Addr: addr, PoolSize: 8})
	defer rdb.Close()

	var parcels, ops, links int
	for _, b := range batches {
		parcels, ops, links = parcels+b.Parcels, ops+len(b.Ops), links+len(b.Links)
	}
	limit := RedisLimit{
		Parcels: parcels, Batch: limitBatch,
		OpsPerParcel:   round3(float64(ops) / float64(parcels)),
		LinksPerParcel: round3(float64(links) / float64(parcels)),
	}
	for _, clients := range []int{1, 2, 4} {
		// A key prefix of its own keeps every op fresh: the script's
		// first-count path, not the cheaper duplicate path.
		store, err := newStore(ctx, rdb, "limit"+strconv.Itoa(clients))
		if err != nil {
			return RedisLimit{}, err
		}
		cpuBefore, err := redisCPU(ctx, rdb)
		if err != nil {
			return RedisLimit{}, err
		}
		seconds, err := applyAll(ctx, store, batches, clients)
		if err != nil {
			return RedisLimit{}, err
		}
		cpuAfter, err := redisCPU(ctx, rdb)
		if err != nil {
			return RedisLimit{}, err
		}
		wall := perSecond(int64(parcels), seconds)
		cpu := cpuAfter - cpuBefore
		usec := round2(cpu * 1e6 / float64(parcels))
		logf(log, "redis limit: %d parcels (%d ops, %d link requests) with %d concurrent pipelines: %.0f parcels/s, redis-server %.1f µs of CPU a parcel (load %v)",
			parcels, ops, links, clients, wall, usec, loadAverage())
		limit.ByClients = append(limit.ByClients, ClientsRate{Clients: clients, PerSecond: wall, USecPerParcel: usec})
		if rate := perSecond(int64(parcels), cpu); cpu > 0 && rate > limit.PerSecond {
			limit.PerSecond, limit.USecPerParcel, limit.Clients, limit.OpsPerSecond = rate, usec, clients, perSecond(int64(ops), cpu)
		}
	}
	limit.USecPerCall, err = commandStats(ctx, rdb)
	if err != nil {
		return RedisLimit{}, err
	}
	return limit, nil
}

// redisCPU returns the CPU seconds redis-server has used (INFO cpu:
// used_cpu_user plus used_cpu_sys, the main process's).
func redisCPU(ctx context.Context, rdb *redis.Client) (float64, error) {
	info, err := rdb.Info(ctx, "cpu").Result()
	if err != nil {
		return 0, fmt.Errorf("info cpu: %w", err)
	}
	return redisinfo.CPUSeconds(info)
}

// commandStats returns usec_per_call of every command redis-server has
// run, from INFO commandstats.
func commandStats(ctx context.Context, rdb *redis.Client) (map[string]float64, error) {
	stats, err := commandCounts(ctx, rdb)
	if err != nil {
		return nil, err
	}
	out := make(map[string]float64, len(stats))
	for name, c := range stats {
		if c.Calls > 0 {
			out[name] = round2(c.USec / c.Calls)
		}
	}
	return out, nil
}

// CommandCount is what redis-server spent on one command: calls and
// microseconds in all, or per parcel.
type CommandCount struct {
	Calls float64 `json:"calls"`
	USec  float64 `json:"usec"`
}

// commandCounts reads calls and usec of every command from INFO
// commandstats. Commands run by a script count both on their own and
// within the script's EVALSHA.
func commandCounts(ctx context.Context, rdb *redis.Client) (map[string]CommandCount, error) {
	info, err := rdb.Info(ctx, "commandstats").Result()
	if err != nil {
		return nil, fmt.Errorf("info commandstats: %w", err)
	}
	out := make(map[string]CommandCount)
	for name, c := range redisinfo.Commands(info) {
		out[name] = CommandCount{Calls: c.Calls, USec: c.USec}
	}
	return out, nil
}

// applyAll sends every batch's links and ops from clients goroutines and
// returns the seconds it took.
func applyAll(ctx context.Context, store *window.Store, batches []Batch, clients int) (float64, error) {
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make([]error, clients)
	start := time.Now()
	for c := range clients {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(batches) || ctx.Err() != nil {
					return
				}
				if err := applyBatch(ctx, store, batches[i]); err != nil {
					errs[c] = err
					return
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start).Seconds()
	for _, err := range errs {
		if err != nil {
			return 0, err
		}
	}
	if ctx.Err() != nil {
		return 0, ctx.Err()
	}
	return elapsed, nil
}

// This file is the bench's one use of package window's API (with the
// recorder below, which the process package's Counter and Linker shape):
// newStore, applyBatch and the recorder are what to adapt when it changes.

// newStore returns the day-total store on rdb under keyPrefix, its script
// loaded, with the processor's default --state-ttl.
func newStore(ctx context.Context, rdb *redis.Client, keyPrefix string) (*window.Store, error) {
	store, err := window.New(rdb, window.Config{KeyPrefix: keyPrefix, TTL: 8 * 24 * time.Hour})
	if err != nil {
		return nil, err
	}
	if err := store.Load(ctx); err != nil {
		return nil, fmt.Errorf("load script: %w", err)
	}
	return store, nil
}

// applyBatch sends one batch's link requests and day-total ops to store,
// as the processor sends them: one pipeline each.
func applyBatch(ctx context.Context, store *window.Store, b Batch) error {
	if len(b.Links) > 0 {
		if _, err := store.Link(ctx, b.Links); err != nil {
			return err
		}
	}
	_, err := store.Apply(ctx, b.Ops)
	return err
}

// Batch is the Redis work of one batch of parcels, as the processor asks
// for it.
type Batch struct {
	Parcels int
	Links   []window.LinkRequest
	Ops     []window.Op
}

// CaptureBatches runs n generated manifests, in batches of 1000, through a
// process.Processor whose counter and linker record what they are asked
// instead of asking Redis, and returns that per batch: the processor's own
// decode, regime, entry date and key path, with nothing of Kafka or Redis.
func CaptureBatches(ctx context.Context, n int, seed uint64) ([]Batch, error) {
	rec := &recorder{}
	p, err := newProcessor(rec, rec)
	if err != nil {
		return nil, err
	}
	genCfg := generate.DefaultConfig()
	genCfg.Seed = seed
	gen, err := generate.New(genCfg)
	if err != nil {
		return nil, err
	}
	inputs := make([]process.Input, 0, limitBatch)
	now := time.Date(2025, 9, 1, 12, 0, 0, 0, time.UTC)
	var out []Batch
	var offset int64
	for done := 0; done < n; done += limitBatch {
		inputs = inputs[:0]
		for range min(limitBatch, n-done) {
			msg := gen.Next()
			inputs = append(inputs, process.Input{Key: msg.Key, Value: msg.Value, Source: event.Source{Topic: inputTopic, Offset: offset}})
			offset++
		}
		rec.batch = Batch{Parcels: len(inputs)}
		if _, err := p.Process(ctx, inputs, now); err != nil {
			return nil, fmt.Errorf("capture ops: %w", err)
		}
		out = append(out, rec.batch)
	}
	return out, nil
}

// newProcessor builds a processor as app.NewProcessor does on the
// defaults of `processor run` (address clusters of 3 names, links by phone
// and email), over counter and linker.
func newProcessor(counter process.Counter, linker process.Linker) (*process.Processor, error) {
	keyer, err := identity.NewKeyer([]byte(recipientKeySecret))
	if err != nil {
		return nil, err
	}
	zone, err := time.LoadLocation("America/New_York")
	if err != nil {
		return nil, err
	}
	return process.New(process.Config{
		Topics:          process.DefaultTopics(),
		EntryDayZone:    zone,
		MaxMessageBytes: 1 << 20,
		ClusterNames:    3,
	}, process.Deps{Regimes: decide.Builtin(), Keyer: keyer, Counter: counter, Linker: linker})
}

// recorder is a process.Counter and process.Linker that answers each op
// as a first count with a zero total and each link request with the
// parcel's own key, and keeps what it is asked in batch unless discard is
// set (then it allocates nothing once warm: the processor's own CPU cost).
type recorder struct {
	batch   Batch
	discard bool
	results []window.Result
}

func (r *recorder) Apply(_ context.Context, ops []window.Op) ([]window.Result, error) {
	if !r.discard {
		// An op's Parcel lives in the processor's scratch, which the next
		// batch reuses: keep a copy.
		for _, op := range ops {
			if op.Parcel != nil {
				parcel := *op.Parcel
				op.Parcel = &parcel
			}
			r.batch.Ops = append(r.batch.Ops, op)
		}
		r.results = nil // the processor may keep them with the batch
	}
	if cap(r.results) < len(ops) {
		r.results = make([]window.Result, len(ops))
	}
	results := r.results[:len(ops)]
	for i := range results {
		results[i] = window.Result{Seq: 1, Status: window.StatusOK}
	}
	return results, nil
}

func (r *recorder) Resolve(_ context.Context, reqs []window.LinkRequest) ([]string, func(context.Context) error, error) {
	keys := make([]string, len(reqs))
	for i, req := range reqs {
		if !r.discard {
			// The processor reuses a request's Links once the batch is done.
			req.Links = slices.Clone(req.Links)
			r.batch.Links = append(r.batch.Links, req)
		}
		keys[i] = req.Own
	}
	return keys, func(context.Context) error { return nil }, nil
}
