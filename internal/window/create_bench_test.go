package window

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/s321/s321/internal/redisinfo"
	"github.com/s321/s321/internal/testenv"
)

// BenchmarkRedisCreateSubject measures what redis-server spends creating
// one new subject, the commonest write of a count (most subjects count one
// parcel), three ways, 64 keys a round trip as the store sends them:
//
//   - script: the store's compare-and-set script, which writes only
//     while there is no version (HGET, HSET, PEXPIRE);
//   - hset-pexpire: the same fields and expiry with no check, the least
//     a write can be;
//   - restore: RESTORE of such a hash with its expiry, the payload built
//     as the store builds it (appendHashDump): how the store creates a
//     subject, with the one command that creates a key only where there
//     is none.
//
// It reports redis-server's CPU a subject (INFO's used_cpu_user and
// used_cpu_sys). A subject's fields are those of a new recipient's day:
// its figures, one parcel's record and one entry.
func BenchmarkRedisCreateSubject(b *testing.B) {
	const perCall = 64
	ctx := context.Background()
	rdb := benchRedis(b, casScript)
	const ttl = 8 * 24 * time.Hour
	fields := func(i int) []any {
		parcel := "PCL-" + strconv.Itoa(i)
		return []any{"v", strconv.Itoa(1_000_003 + i), "n", "1", "total", "12345", "scale", "2",
			"p:" + parcel, "1 12345 2 0 0 12345 2 c UPS", "l:1", parcel + " UPS"}
	}
	// Each key is new: named by the benchmark and a counter that goes on
	// across rounds.
	next := 0
	key := func(how string) string {
		next++
		return fmt.Sprintf("%s:{%064d}", how, next)
	}
	payload := func(i int) string {
		f := fields(i)
		pairs := make([][]byte, len(f))
		for k := range f {
			pairs[k] = []byte(f[k].(string))
		}
		dump, _, ok := appendHashDump(nil, nil, pairs)
		if !ok {
			b.Fatal("no payload")
		}
		return string(dump)
	}

	for _, how := range []struct {
		name   string
		create func(i int) error
	}{
		{"script", func(i int) error {
			keys := make([]string, perCall)
			args := []any{strconv.FormatInt(ttl.Milliseconds(), 10)}
			for k := range keys {
				keys[k] = key("script")
				f := fields(i*perCall + k)
				args = append(append(args, "0", "1", len(f)/2), f...)
			}
			return casScript.Run(ctx, rdb, keys, args...).Err()
		}},
		{"hset-pexpire", func(i int) error {
			_, err := rdb.Pipelined(ctx, func(pipe redis.Pipeliner) error {
				for k := range perCall {
					name := key("hset")
					pipe.HSet(ctx, name, fields(i*perCall+k)...)
					pipe.PExpire(ctx, name, ttl)
				}
				return nil
			})
			return err
		}},
		{"restore", func(i int) error {
			_, err := rdb.Pipelined(ctx, func(pipe redis.Pipeliner) error {
				for k := range perCall {
					pipe.Restore(ctx, key("restore"), ttl, payload(i*perCall+k))
				}
				return nil
			})
			return err
		}},
	} {
		b.Run(how.name, func(b *testing.B) {
			before := usedCPU(b, rdb)
			i := 0
			for b.Loop() {
				if err := how.create(i); err != nil {
					b.Fatal(err)
				}
				i++
			}
			b.ReportMetric((usedCPU(b, rdb)-before)*1e6/float64(i*perCall), "redis-µs/subject")
		})
	}
}

// usedCPU reads redis-server's CPU seconds (INFO cpu).
func usedCPU(b *testing.B, rdb *redis.Client) float64 {
	return infoFigure(b, rdb, "cpu", redisinfo.CPUSeconds)
}

// benchRedis starts a redis-server of the benchmark's own, without
// persistence, and returns a client of it with scripts loaded.
func benchRedis(b *testing.B, scripts ...*redis.Script) *redis.Client {
	b.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: testenv.StartRedis(b, "--appendonly", "no").Addr, Protocol: 2})
	b.Cleanup(func() { _ = rdb.Close() })
	for _, script := range scripts {
		if err := script.Load(context.Background(), rdb).Err(); err != nil {
			b.Fatal(err)
		}
	}
	return rdb
}

// infoFigure reads one figure of redis-server's INFO section with read.
func infoFigure[T any](b *testing.B, rdb *redis.Client, section string, read func(string) (T, error)) T {
	info, err := rdb.Info(context.Background(), section).Result()
	if err != nil {
		b.Fatal(err)
	}
	v, err := read(info)
	if err != nil {
		b.Fatal(err)
	}
	return v
}

// BenchmarkRedisKeepDecision measures what redis-server spends keeping one
// parcel's decision for explain, two ways, 1,000 a round trip:
//
//   - key: a key of its own with its expiry (SET ... PX), as Record keeps
//     it;
//   - bucket: a field of one of 65,536 hashes of the day, chosen by the
//     parcel id's hash, which would each expire as a whole (one PEXPIRE
//     a bucket, not counted here): one key fewer a parcel;
//   - append: appended, after its parcel id, to one of 4,096 strings of
//     the day, chosen the same way (no expiry counted either), which a
//     lookup would read whole and search.
//
// It reports redis-server's CPU (INFO's used_cpu_user and used_cpu_sys)
// and its memory (used_memory) a decision. The value is 175 bytes, what a
// generated parcel's decision takes kept; the parcel ids are 32 hex
// characters.
func BenchmarkRedisKeepDecision(b *testing.B) {
	const perCall = 1000
	ctx := context.Background()
	value := strings.Repeat("d", 175)
	for _, how := range []struct {
		name string
		keep func(pipe redis.Pipeliner, parcel []byte)
	}{
		{"key", func(pipe redis.Pipeliner, parcel []byte) {
			pipe.Set(ctx, "s321:parcel:{"+hex.EncodeToString(parcel)+"}", value, 8*24*time.Hour)
		}},
		{"bucket", func(pipe redis.Pipeliner, parcel []byte) {
			bucket := binary.BigEndian.Uint16(parcel) // one of 65,536
			pipe.HSet(ctx, fmt.Sprintf("s321:parcels:{%04x}:20250901", bucket), hex.EncodeToString(parcel), value)
		}},
		{"append", func(pipe redis.Pipeliner, parcel []byte) {
			bucket := binary.BigEndian.Uint16(parcel) >> 4 // one of 4,096
			pipe.Append(ctx, fmt.Sprintf("s321:parcels:{%03x}:20250901", bucket), hex.EncodeToString(parcel)+value)
		}},
	} {
		b.Run(how.name, func(b *testing.B) {
			// A server of its own: the other way's keys would change its
			// memory and its keyspace's growth.
			rdb := benchRedis(b)
			usedMemory := func() int64 { return infoFigure(b, rdb, "memory", redisinfo.UsedMemory) }
			cpuBefore, memBefore := usedCPU(b, rdb), usedMemory()
			kept := 0
			for b.Loop() {
				_, err := rdb.Pipelined(ctx, func(pipe redis.Pipeliner) error {
					for range perCall {
						kept++
						id := sha256.Sum256([]byte(strconv.Itoa(kept)))
						how.keep(pipe, id[:16])
					}
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric((usedCPU(b, rdb)-cpuBefore)*1e6/float64(kept), "redis-µs/decision")
			b.ReportMetric(float64(usedMemory()-memBefore)/float64(kept), "redis-bytes/decision")
		})
	}
}

// BenchmarkRedisKeepAlert measures what redis-server spends keeping one
// alert version for /v1/alerts, as Record sends it (keepAlert): 256
// alerts of one day, each listing 1,000 parcels (the most an alert lists,
// 19 KB of JSON here), a new version of each in turn, 256 a round trip.
//
// It reports redis-server's CPU an alert version.
func BenchmarkRedisKeepAlert(b *testing.B) {
	const alerts = 256
	ctx := context.Background()
	rdb := benchRedis(b, keepNewer)
	var list strings.Builder
	for i := range 1000 {
		fmt.Fprintf(&list, `"1ZVFKZ%010d",`, i)
	}
	alert := []byte(`{"schema":"alert.v1","parcel_ids":[` + strings.TrimSuffix(list.String(), ",") + `]}`)
	cpuBefore := usedCPU(b, rdb)
	version := int64(0)
	for b.Loop() {
		version++
		_, err := rdb.Pipelined(ctx, func(pipe redis.Pipeliner) error {
			for i := range alerts {
				a := AlertRecord{AlertID: fmt.Sprintf("%032x", i), EntryDate: "2025-09-01", Version: version, Alert: alert}
				keepAlert(ctx, pipe, "s321:alerts:{2025-09-01}", "s321:alerts:{2025-09-01}:ids", a, 8*24*time.Hour, true)
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric((usedCPU(b, rdb)-cpuBefore)*1e6/float64(alerts*b.N), "redis-µs/version")
	b.ReportMetric(float64(len(alert)), "alert-bytes")
}
