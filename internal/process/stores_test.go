package process_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/s321/s321/internal/decide"
	"github.com/s321/s321/internal/event"
	"github.com/s321/s321/internal/generate"
	"github.com/s321/s321/internal/identity"
	"github.com/s321/s321/internal/process"
	"github.com/s321/s321/internal/testenv"
	"github.com/s321/s321/internal/window"
)

// TestMemoryStoreDecidesAsRedis: replay and the embedded default decide
// on the memory store, live processing on Redis; both apply the same
// counting rules, so the same stream, in the same batches, publishes the
// same bytes on both: decisions, alerts and rejections, with links,
// address clusters, split shipments and orders, restricted goods, bad
// messages and redeliveries in the generated traffic. (Amends and cancels
// are compared by the table tests of package window, on both stores.)
func TestMemoryStoreDecidesAsRedis(t *testing.T) {
	mem, err := window.NewMemory(window.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(&redis.Options{Addr: testenv.StartRedis(t, "--appendonly", "no").Addr, Protocol: 2})
	t.Cleanup(func() { _ = rdb.Close() })
	live, err := window.New(rdb, window.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	cfg := generate.DefaultConfig()
	cfg.Seed, cfg.Recipients = 11, 300 // few recipients: many days with several parcels
	gen, err := generate.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	onMemory, onRedis := storeProcessor(t, mem), storeProcessor(t, live)
	now := time.Date(2026, 11, 25, 7, 0, 0, 0, time.UTC)
	ctx := context.Background()
	compared, alerts := 0, 0
	for b := range 12 {
		batch := make([]process.Input, 500)
		for i := range batch {
			msg := gen.Next()
			batch[i] = process.Input{Key: msg.Key, Value: msg.Value, Source: event.Source{Topic: "manifests", Offset: int64(b*len(batch) + i)}}
		}
		want, err := onMemory.Process(ctx, batch, now)
		if err != nil {
			t.Fatal(err)
		}
		got, err := onRedis.Process(ctx, batch, now)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Fatalf("batch %d: %d outputs on Redis, %d on memory", b, len(got), len(want))
		}
		for i := range want {
			if got[i].Topic != want[i].Topic || !bytes.Equal(got[i].Key, want[i].Key) || !bytes.Equal(got[i].Value, want[i].Value) {
				t.Fatalf("batch %d output %d differs:\nRedis:  %s %s\nmemory: %s %s", b, i, got[i].Topic, got[i].Value, want[i].Topic, want[i].Value)
			}
			if want[i].Topic == process.DefaultTopics().Alerts {
				alerts++
			}
			compared++
		}
	}
	if alerts == 0 {
		t.Errorf("no alert among %d outputs: the traffic does not test alerts", compared)
	}
	t.Logf("%d outputs alike, %d of them alerts", compared, alerts)
}

// storeProcessor is a processor on the defaults of processor run over
// store, which keeps its decisions too.
func storeProcessor(t testing.TB, store *window.Store) *process.Processor {
	t.Helper()
	keyer, err := identity.NewKeyer([]byte("a-test-secret-of-enough-length"))
	if err != nil {
		t.Fatal(err)
	}
	zone, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	p, err := process.New(process.Config{Topics: process.DefaultTopics(), EntryDayZone: zone, MaxMessageBytes: 1 << 20, ClusterNames: 3},
		process.Deps{Regimes: decide.Builtin(), Keyer: keyer, Counter: store, Linker: store, Recorder: store})
	if err != nil {
		t.Fatal(err)
	}
	return p
}
