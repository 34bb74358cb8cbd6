package window

import (
	"context"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/s321/s321/internal/redisinfo"
	"github.com/s321/s321/internal/testenv"
)

// TestKnownLinksAreAnsweredWithoutARead: a link this process recorded or
// read is answered from knownLinks until an eighth of the TTL has passed
// since its expiry was set; the first use after that reads it again with
// GETEX, which renews its expiry.
func TestKnownLinksAreAnsweredWithoutARead(t *testing.T) {
	ctx := context.Background()
	rdb := testenv.StartRedis(t).Client()
	cfg := DefaultConfig()
	cfg.TTL = 8 * time.Hour
	store, err := New(rdb, cfg)
	if err != nil {
		t.Fatal(err)
	}
	clock := time.Date(2026, 12, 7, 6, 0, 0, 0, time.UTC)
	store.now = func() time.Time { return clock }
	// Keys as identity.Keyer makes them: 64 hex characters.
	key := func(c string) string { return strings.Repeat(c, 64) }
	other := key("e")
	// Recorded by another processor: read, then known.
	if err := rdb.Set(ctx, "s321:link:{mailK}", other, time.Hour).Err(); err != nil {
		t.Fatal(err)
	}
	link := func(own, parcel string) []string {
		t.Helper()
		got, err := store.Link(ctx, []LinkRequest{{Links: []string{"phoneK", "mailK"}, Own: own, ParcelID: parcel}})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	if got := link(key("a"), "A-1"); got[0] != other {
		t.Fatalf("A-1 linked to %s, want %s (mailK)", got[0], other)
	}
	if got := link(key("b"), "B-1"); got[0] != other {
		t.Fatalf("B-1 linked to %s, want %s", got[0], other)
	}
	if n := getexCalls(t, rdb); n != 2 {
		t.Fatalf("%d GETEX, want 2: both links read once, then known", n)
	}
	// phoneK was recorded by A-1 with its recipient: known too.
	got, err := store.Link(ctx, []LinkRequest{{Links: []string{"phoneK"}, Own: key("c"), ParcelID: "C-1"}})
	if err != nil || got[0] != other {
		t.Fatalf("C-1 linked to %v (%v), want %s, as A-1 recorded phoneK", got, err, other)
	}
	if n := getexCalls(t, rdb); n != 2 {
		t.Fatalf("%d GETEX, want still 2", n)
	}
	clock = clock.Add(time.Hour) // an eighth of the TTL
	if got := link(key("d"), "D-1"); got[0] != other {
		t.Fatalf("D-1 linked to %s, want %s", got[0], other)
	}
	if n := getexCalls(t, rdb); n != 4 {
		t.Fatalf("%d GETEX, want 4: both read again after an eighth of the TTL", n)
	}
	if ttl := rdb.PTTL(ctx, "s321:link:{mailK}").Val(); ttl <= 7*time.Hour+59*time.Minute {
		t.Errorf("mailK expires in %s, want renewed to about 8h", ttl)
	}
}

func getexCalls(t *testing.T, rdb *redis.Client) int64 {
	t.Helper()
	info, err := rdb.Info(context.Background(), "commandstats").Result()
	if err != nil {
		t.Fatal(err)
	}
	return int64(redisinfo.Commands(info)["getex"].Calls)
}

// TestKnownLinksAreBounded: knownLinks holds at most two generations of
// knownLinksMax links, and the last knownLinksMax put are always found.
func TestKnownLinksAreBounded(t *testing.T) {
	now := time.Now()
	links := newKnownLinks(time.Hour)
	const puts = 3*knownLinksMax + 7
	recipient := func(i int) string { return fmt.Sprintf("%064x", i) }
	for i := range puts {
		links.put(linkIDOf("link-"+strconv.Itoa(i)), recipient(i), now)
	}
	if held := len(links.filling) + len(links.before); held > 2*knownLinksMax {
		t.Errorf("%d links held, more than %d", held, 2*knownLinksMax)
	}
	for i := puts - knownLinksMax; i < puts; i++ {
		if got, ok := links.get(linkIDOf("link-"+strconv.Itoa(i)), now); !ok || got != recipient(i) {
			t.Fatalf("link-%d: %q, %v; want %s", i, got, ok, recipient(i))
		}
	}
	links.put(linkIDOf("named"), "rk-named", now)
	if got, ok := links.get(linkIDOf("named"), now); ok {
		t.Errorf("a recipient key that is not hex was remembered: %q", got)
	}
}

// BenchmarkKnownLinks answers links from a full knownLinks (two
// generations), as Resolve does for a link used lately, and reports what
// the full maps take of the heap.
func BenchmarkKnownLinks(b *testing.B) {
	ids := make([]linkID, 2*knownLinksMax-1)
	recipients := make([]string, len(ids))
	for i := range ids {
		ids[i], recipients[i] = linkIDOf(fmt.Sprintf("%064x", i)), fmt.Sprintf("%064x", i+1)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	links := newKnownLinks(time.Hour)
	now := time.Now()
	for i := range ids {
		links.put(ids[i], recipients[i], now)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(recipients) // counted in before: not to be freed before after
	i := 0
	for b.Loop() {
		if _, ok := links.get(ids[i%len(ids)], now); !ok {
			b.Fatal("a link put is not found")
		}
		i++
	}
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "heap-MiB-full")
}
