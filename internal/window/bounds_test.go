package window_test

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"sync"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/s321/s321/internal/money"
	"github.com/s321/s321/internal/testenv"
	"github.com/s321/s321/internal/window"
)

// TestTwoProcessorsCountOneSubject: two stores, each with a client of its
// own, as two processors of the group would be, count parcels of one
// recipient's day at the same moment, with overlapping redeliveries. Every
// parcel is counted exactly once: the seqs are 1..N without a gap or a
// repeat, the total is the sum, and a redelivered parcel gets its first
// answer.
func TestTwoProcessorsCountOneSubject(t *testing.T) {
	server := testenv.StartRedis(t, "--appendfsync", "no")
	const parcels, perBatch = 400, 8
	ctx := context.Background()
	stores := make([]*window.Store, 2)
	for i := range stores {
		stores[i] = newStore(t, redis.NewClient(&redis.Options{Addr: server.Addr}))
	}
	type answer struct {
		seq   int64
		total string
	}
	var mu sync.Mutex
	answers := map[string][]answer{}
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for w, store := range stores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Both processors see every parcel: each is counted by one and
			// redelivered to the other, in batches that interleave.
			for start := 0; start < parcels; start += perBatch {
				var ops []window.Op
				for i := start; i < start+perBatch; i++ {
					id := i
					if w == 1 {
						id = parcels - 1 - i // the other end first
					}
					ops = append(ops, op("P-"+strconv.Itoa(id), "DHL", "1.25"))
				}
				got, err := store.Apply(ctx, ops)
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				for i, res := range got {
					answers[ops[i].ParcelID] = append(answers[ops[i].ParcelID], answer{res.Seq, money.Format(res.Total())})
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	seen := map[int64]string{}
	for id, got := range answers {
		if len(got) != 2 || got[0] != got[1] {
			t.Errorf("%s: answers %v, want the same answer twice", id, got)
			continue
		}
		if other, dup := seen[got[0].seq]; dup {
			t.Errorf("seq %d given to %s and %s", got[0].seq, other, id)
		}
		seen[got[0].seq] = id
		if want := money.Format(money.FromCents(125*got[0].seq, 2)); got[0].total != want {
			t.Errorf("%s: total %s at seq %d, want %s", id, got[0].total, got[0].seq, want)
		}
	}
	for seq := int64(1); seq <= parcels; seq++ {
		if _, ok := seen[seq]; !ok {
			t.Errorf("no parcel got seq %d", seq)
		}
	}
	t.Logf("subjects written again after a conflict: %d and %d", stores[0].Conflicts(), stores[1].Conflicts())
	day, err := stores[0].Day(ctx, "rk1", "2024-05-01")
	if err != nil || day.Total != "500.00" {
		t.Errorf("day %+v (%v), want 500.00", day, err)
	}
}

// TestAlertsAreBounded: a subject of any size lists at most its first
// MaxAlertParcels parcels, while its count goes on.
func TestAlertsAreBounded(t *testing.T) {
	backends(t, func(t *testing.T, rdb redis.UniversalClient) {
		ctx := context.Background()
		store := newStore(t, rdb)
		const n = window.MaxAlertParcels + 200
		var last window.Result
		for start := 0; start < n; start += 100 {
			var ops []window.Op
			for i := start; i < start+100; i++ {
				ops = append(ops, op(fmt.Sprintf("P-%04d", i), "C"+strconv.Itoa(i%150), "100"))
			}
			got, err := store.Apply(ctx, ops)
			if err != nil {
				t.Fatal(err)
			}
			last = got[len(got)-1]
		}
		if last.Seq != n || last.AlertVersion != n-8 || len(last.AlertParcels) != window.MaxAlertParcels {
			t.Fatalf("last: seq %d version %d listing %d, want %d, %d and %d", last.Seq, last.AlertVersion,
				len(last.AlertParcels), n, n-8, window.MaxAlertParcels)
		}
		if last.AlertParcels[0] != "P-0000" || last.AlertParcels[window.MaxAlertParcels-1] != "P-0999" {
			t.Errorf("list from %s to %s, want P-0000 to P-0999", last.AlertParcels[0], last.AlertParcels[window.MaxAlertParcels-1])
		}
		// A redelivery of the 1,100th parcel answers as it did.
		again, err := store.Apply(ctx, []window.Op{op("P-1099", "C49", "100")})
		if err != nil || !again[0].Duplicate || again[0].Seq != 1100 || len(again[0].AlertParcels) != window.MaxAlertParcels {
			t.Errorf("redelivery: %+v %v", again, err)
		}
	})
}

// TestOverflowChangesNothing: a total that int64 cents cannot hold is not
// an error that stops the batch (which would be retried forever): the op
// answers StatusOverflow and the subject stays as it was.
func TestOverflowChangesNothing(t *testing.T) {
	backends(t, func(t *testing.T, rdb redis.UniversalClient) {
		ctx := context.Background()
		store := newStore(t, rdb)
		huge := op("P-1", "DHL", "1")
		huge.ValueCents = math.MaxInt64 - 10
		more := op("P-2", "DHL", "1") // 100 cents: beyond
		after := op("P-3", "DHL", "0.05")
		got, err := store.Apply(ctx, []window.Op{huge, more, after})
		if err != nil {
			t.Fatal(err)
		}
		if got[0].Status != window.StatusOK || got[1].Status != window.StatusOverflow || got[2].Status != window.StatusOK {
			t.Fatalf("statuses %s %s %s, want ok overflow ok", got[0].Status, got[1].Status, got[2].Status)
		}
		if got[2].Seq != 2 {
			t.Errorf("P-3 seq %d, want 2 (P-2 not counted)", got[2].Seq)
		}
	})
}

// TestAmendFromAnotherCarrier: only the carrier that sent a parcel may
// amend or cancel it.
func TestAmendFromAnotherCarrier(t *testing.T) {
	backends(t, func(t *testing.T, rdb redis.UniversalClient) {
		store := newStore(t, rdb)
		cancel := op("P-1", "UPS", "0")
		cancel.Kind, cancel.EventID = window.KindCancel, "P-1-c"
		amend := op("P-1", "DHL", "5")
		amend.Kind, amend.EventID = window.KindAmend, "P-1-a"
		got, err := store.Apply(context.Background(), []window.Op{op("P-1", "DHL", "100"), cancel, amend})
		if err != nil {
			t.Fatal(err)
		}
		if got[1].Status != window.StatusOtherCarrier || got[2].Status != window.StatusOK || money.Format(got[2].Total()) != "5" {
			t.Errorf("cancel by UPS: %s; amend by DHL: %s %s", got[1].Status, got[2].Status, money.Format(got[2].Total()))
		}
	})
}

// Regression guard: a process caches the first parcels of subjects with
// an alert. A key that expired and was created again must not be listed
// with the parcels of its former life.
func TestAlertListOfARecreatedSubject(t *testing.T) {
	rdb := testenv.StartRedis(t).Client()
	ctx := context.Background()
	store := newStore(t, rdb)
	if _, err := store.Apply(ctx, []window.Op{op("OLD-1", "DHL", "500"), op("OLD-2", "DHL", "500")}); err != nil {
		t.Fatal(err)
	}
	if err := rdb.Del(ctx, store.DayKey("rk1", "2024-05-01")).Err(); err != nil { // as if expired
		t.Fatal(err)
	}
	// Another processor counts the new life's first parcel.
	other := newStore(t, rdb)
	if _, err := other.Apply(ctx, []window.Op{op("NEW-1", "DHL", "500")}); err != nil {
		t.Fatal(err)
	}
	got, err := store.Apply(ctx, []window.Op{op("NEW-2", "DHL", "500")})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"NEW-1", "NEW-2"}; !equal(got[0].AlertParcels, want) {
		t.Errorf("alert lists %v, want %v", got[0].AlertParcels, want)
	}
}

// TestMemoryForgetsByEntryDate: the memory store keeps a subject for the
// TTL, in entry dates, after its last write, whatever the time of day.
func TestMemoryForgetsByEntryDate(t *testing.T) {
	cfg := window.DefaultConfig()
	cfg.TTL = 48 * 60 * 60 * 1e9 // two days
	store := newStoreWith(t, nil, cfg)
	ctx := context.Background()
	first := op("P-1", "DHL", "100")
	if _, err := store.Apply(ctx, []window.Op{first}); err != nil {
		t.Fatal(err)
	}
	later := op("P-9", "DHL", "1")
	later.Subject, later.EntryDate = "rk2", "2024-05-03" // two days on: kept
	if _, err := store.Apply(ctx, []window.Op{later}); err != nil {
		t.Fatal(err)
	}
	if got, err := store.Apply(ctx, []window.Op{first}); err != nil || !got[0].Duplicate {
		t.Fatalf("after two days: %+v %v, want the duplicate", got, err)
	}
	later.EntryDate = "2024-05-04" // three days on: forgotten
	if _, err := store.Apply(ctx, []window.Op{later}); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Day(ctx, "rk1", "2024-05-01"); err == nil {
		t.Error("the day of 1 May is still kept three days on")
	}
}
