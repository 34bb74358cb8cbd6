package window_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/s321/s321/internal/money"
	"github.com/s321/s321/internal/testenv"
	"github.com/s321/s321/internal/window"
)

// TestPartitionsOfOneProcessorNeverConflict: the partitions of one
// processor count parcels of the same subjects at the same moment, each
// batch naming two shared subjects in its own order (so that two batches
// could each wait for the other, were holds taken one by one). Every
// parcel counts once, and no write of one Store loses to another of its
// own batches: a batch waits for a subject another holds and is handed it
// whole, instead of racing it in Redis.
func TestPartitionsOfOneProcessorNeverConflict(t *testing.T) {
	server := testenv.StartRedis(t, "--appendfsync", "no")
	store := newStore(t, redis.NewClient(&redis.Options{Addr: server.Addr}))
	const partitions, batches, perBatch = 6, 40, 4
	ctx := context.Background()
	var mu sync.Mutex
	seqs := map[string]map[int64]string{"rk1": {}, "rk2": {}}
	var wg sync.WaitGroup
	errs := make(chan error, partitions)
	for p := range partitions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range batches {
				var ops []window.Op
				for i := range perBatch {
					o := op("P-"+strconv.Itoa(p)+"-"+strconv.Itoa(b)+"-"+strconv.Itoa(i), "DHL", "1.25")
					// Odd partitions name rk2 first, even ones rk1.
					if (i+p)%2 == 1 {
						o.Subject = "rk2"
					}
					ops = append(ops, o)
				}
				got, err := store.Apply(ctx, ops)
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				for i, res := range got {
					if other, dup := seqs[ops[i].Subject][res.Seq]; dup {
						t.Errorf("%s: seq %d given to %s and %s", ops[i].Subject, res.Seq, other, ops[i].ParcelID)
					}
					seqs[ops[i].Subject][res.Seq] = ops[i].ParcelID
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
	const each = partitions * batches * perBatch / 2 // parcels of each subject
	for subject, got := range seqs {
		for seq := int64(1); seq <= each; seq++ {
			if _, ok := got[seq]; !ok {
				t.Errorf("%s: no parcel got seq %d", subject, seq)
			}
		}
		day, err := store.Day(ctx, subject, "2024-05-01")
		if err != nil {
			t.Fatal(err)
		}
		if want := money.Format(money.FromCents(125*each, 2)); day.Total != want {
			t.Errorf("%s: total %s, want %s", subject, day.Total, want)
		}
	}
	if n := store.Conflicts(); n != 0 {
		t.Errorf("%d subjects written again after a conflict, want none within one Store", n)
	}
}

// TestBatchWaitingForASubjectGivesUp: a batch that waits for a subject
// another batch of the same Store holds gives up when its context ends,
// and the subject goes on to the batches after it.
func TestBatchWaitingForASubjectGivesUp(t *testing.T) {
	server := testenv.StartRedis(t, "--appendfsync", "no")
	store := newStore(t, redis.NewClient(&redis.Options{Addr: server.Addr}))
	ctx := context.Background()
	first := holdWhilePaused(t, store, server.Client(), 800*time.Millisecond)
	waiting, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if _, err := store.Apply(waiting, []window.Op{op("P-2", "DHL", "1.25")}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("waiting batch: %v, want its context's deadline", err)
	}
	if err := <-first; err != nil {
		t.Fatalf("first batch: %v", err)
	}
	got, err := store.Apply(ctx, []window.Op{op("P-2", "DHL", "1.25"), op("P-3", "DHL", "1.25")})
	if err != nil {
		t.Fatal(err)
	}
	if got[0].Seq != 2 || got[1].Seq != 3 {
		t.Errorf("seqs %d and %d after the batch that gave up, want 2 and 3", got[0].Seq, got[1].Seq)
	}
}

// TestEntriesHeldWholeAreReadByAnotherProcessor: a processor that holds a
// subject whole writes each of its first parcels once, batch after batch;
// another processor that raises the subject's alert reads them all back,
// in order.
func TestEntriesHeldWholeAreReadByAnotherProcessor(t *testing.T) {
	server := testenv.StartRedis(t, "--appendfsync", "no")
	ctx := context.Background()
	first := newStore(t, redis.NewClient(&redis.Options{Addr: server.Addr}))
	other := newStore(t, redis.NewClient(&redis.Options{Addr: server.Addr}))
	const batches = 5
	for i := range batches {
		if _, err := first.Apply(ctx, []window.Op{op("P-"+strconv.Itoa(i), "C"+strconv.Itoa(i), "100.00")}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := other.Apply(ctx, []window.Op{op("P-5", "C5", "400.00")})
	if err != nil {
		t.Fatal(err)
	}
	res := got[0]
	if res.Seq != batches+1 || res.AlertVersion != 1 {
		t.Fatalf("seq %d, alert version %d; want %d and 1", res.Seq, res.AlertVersion, batches+1)
	}
	for i := range batches + 1 {
		if want := "P-" + strconv.Itoa(i); res.AlertParcels[i] != want || res.AlertCarriers[i] != "C"+strconv.Itoa(i) {
			t.Errorf("alert parcel %d: %s of %s, want %s of C%d", i, res.AlertParcels[i], res.AlertCarriers[i], want, i)
		}
	}
}

// TestBatchThatFailsGivesUpItsWaits: a batch that fails on the subjects
// it holds while it still waits for another gives up its place in that
// subject's queue, so the batches after it are not left waiting for it.
func TestBatchThatFailsGivesUpItsWaits(t *testing.T) {
	server := testenv.StartRedis(t, "--appendfsync", "no")
	store := newStore(t, redis.NewClient(&redis.Options{Addr: server.Addr}))
	ctx := context.Background()
	admin := server.Client()
	// rk2's day is larger than a store holds whole, so the store reads it
	// (a read goes on while Redis pauses writes); then it is given a
	// record the store cannot read.
	var large []window.Op
	for i := range 100 {
		o := op("Q-"+strconv.Itoa(i), "DHL", "1.25")
		o.Subject = "rk2"
		large = append(large, o)
	}
	if _, err := store.Apply(ctx, large); err != nil {
		t.Fatal(err)
	}
	if err := admin.HSet(ctx, "s321:{rk2}:2024-05-01", "p:P-9", "not a record").Err(); err != nil {
		t.Fatal(err)
	}
	first := holdWhilePaused(t, store, admin, 500*time.Millisecond)
	bad := op("P-9", "DHL", "1.25")
	bad.Subject = "rk2"
	failed := make(chan error, 1)
	go func() {
		_, err := store.Apply(ctx, []window.Op{op("P-2", "DHL", "1.25"), bad})
		failed <- err
	}()
	select {
	case err := <-failed:
		if err == nil {
			t.Fatal("a batch naming an unreadable record went through")
		}
	case err := <-first:
		t.Fatalf("the first batch ended (%v) before the failing one failed: the test proves nothing", err)
	}
	if err := <-first; err != nil {
		t.Fatalf("first batch: %v", err)
	}
	done, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	got, err := store.Apply(done, []window.Op{op("P-2", "DHL", "1.25")})
	if err != nil {
		t.Fatalf("the batch after the failed one: %v", err)
	}
	if got[0].Seq != 2 {
		t.Errorf("seq %d, want 2", got[0].Seq)
	}
}

// holdWhilePaused pauses Redis's writes for pause and has store count
// parcel P-1 of rk1's day, whose write then waits at Redis: it returns
// once it does (the batch holds rk1), with the batch's outcome to come.
func holdWhilePaused(t *testing.T, store *window.Store, admin *redis.Client, pause time.Duration) <-chan error {
	t.Helper()
	ctx := context.Background()
	if err := admin.Do(ctx, "CLIENT", "PAUSE", pause.Milliseconds(), "WRITE").Err(); err != nil {
		t.Fatal(err)
	}
	first := make(chan error, 1)
	go func() {
		_, err := store.Apply(ctx, []window.Op{op("P-1", "DHL", "1.25")})
		first <- err
	}()
	// A command that waits for the pause counts as a blocked client.
	for deadline := time.Now().Add(pause / 2); ; time.Sleep(5 * time.Millisecond) {
		info, err := admin.Info(ctx, "clients").Result()
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(info, "blocked_clients:0\r") {
			return first
		}
		if time.Now().After(deadline) {
			t.Fatal("the first batch's write never reached Redis")
		}
	}
}
