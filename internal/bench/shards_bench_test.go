package bench

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/s321/s321/internal/window"
)

// BenchmarkRedisShards applies the Redis work of 100,000 generated parcels
// (what redis_limit applies: links, reads, creates and compare-and-set
// writes, from 4 pipelines at once) to one redis-server and to Redis
// Clusters of 1 (the server holding every slot), 3 and 6 masters, as the
// bench starts them (startRedisCluster), each round on fresh keys. It
// reports redis-server's CPU a parcel summed over the servers, the
// busiest server's share of it, and the commands a parcel: what cluster
// mode costs, and how the work of a parcel spreads over shards and what
// spreading it costs.
func BenchmarkRedisShards(b *testing.B) {
	ctx := context.Background()
	batches, err := CaptureBatches(ctx, 100000, 1)
	if err != nil {
		b.Fatal(err)
	}
	parcels := 0
	for _, batch := range batches {
		parcels += batch.Parcels
	}
	for _, masters := range []int{0, 1, 3, 6} {
		name := "standalone"
		if masters > 0 {
			name = "cluster-masters=" + strconv.Itoa(masters)
		}
		b.Run(name, func(b *testing.B) {
			nodes, addrs, err := startRedisNodes(ctx, b.TempDir(), masters, false)
			if err != nil {
				b.Fatal(err)
			}
			servers := make([]*redis.Client, len(addrs))
			for i, addr := range addrs {
				servers[i] = redis.NewClient(&redis.Options{Addr: addr})
			}
			b.Cleanup(func() {
				for _, srv := range servers {
					_ = srv.Close()
				}
				for _, n := range nodes {
					n.stop(10 * time.Second)
				}
			})
			var client redis.UniversalClient = servers[0]
			if masters > 0 {
				cluster := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs})
				b.Cleanup(func() { _ = cluster.Close() })
				client = cluster
			}
			cpu := make([]float64, len(servers))
			var calls, scripts int64
			round := 0
			for b.Loop() {
				round++
				store, err := window.New(client, window.Config{KeyPrefix: "shards" + strconv.Itoa(round), TTL: 8 * 24 * time.Hour})
				if err != nil {
					b.Fatal(err)
				}
				if err := store.Load(ctx); err != nil {
					b.Fatal(err)
				}
				before, callsBefore, scriptsBefore := serverUsage(b, servers)
				if _, err := applyAll(ctx, store, batches, 4); err != nil {
					b.Fatal(err)
				}
				after, callsAfter, scriptsAfter := serverUsage(b, servers)
				for i := range cpu {
					cpu[i] += after[i] - before[i]
				}
				calls += callsAfter - callsBefore
				scripts += scriptsAfter - scriptsBefore
			}
			var sum, busiest float64
			for _, c := range cpu {
				sum += c
				busiest = max(busiest, c)
			}
			n := float64(parcels * round)
			b.ReportMetric(n/b.Elapsed().Seconds(), "parcels/s")
			b.ReportMetric(sum*1e6/n, "redis-µs/parcel")
			b.ReportMetric(busiest/sum, "busiest-share")
			b.ReportMetric(float64(calls)/n, "redis-commands/parcel")
			b.ReportMetric(float64(scripts)/n, "evalsha/parcel")
		})
	}
}

// serverUsage returns each server's CPU seconds, and the calls of all of
// them together (a script's commands counted inside it, not again) and
// of the script alone.
func serverUsage(b *testing.B, servers []*redis.Client) (cpu []float64, calls, scripts int64) {
	b.Helper()
	ctx := context.Background()
	for _, srv := range servers {
		seconds, err := redisCPU(ctx, srv)
		if err != nil {
			b.Fatal(err)
		}
		cpu = append(cpu, seconds)
		counts, err := commandCounts(ctx, srv)
		if err != nil {
			b.Fatal(err)
		}
		for name, c := range counts {
			if !scriptCommands[name] {
				calls += int64(c.Calls)
			}
			if name == "evalsha" {
				scripts += int64(c.Calls)
			}
		}
	}
	return cpu, calls, scripts
}

// scriptCommands are the commands that, of the work applied, only the
// compare-and-set script runs: counted in the EVALSHA that runs them, not
// again.
var scriptCommands = map[string]bool{"hget": true, "hset": true, "pexpire": true}
