package window_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/shopspring/decimal"

	"github.com/s321/s321/internal/decide"
	"github.com/s321/s321/internal/money"
	"github.com/s321/s321/internal/testenv"
	"github.com/s321/s321/internal/window"
)

// TestRandomStreamsCountExactlyOnce: two processors count one random
// stream of parcels, amends and cancels at once, on one redis-server, as a
// group does. Each parcel and its change are in one partition, so its home
// processor takes them in order; after a rebalance the other may take them
// again, also in order. The parcels share a few recipients' days, some of
// them past the 64 parcels a processor holds whole, so both write the same
// subjects at the same moment, in batches of random sizes, and the first
// processor restarts now and then with nothing held. Whatever the
// interleaving:
//   - every event gets the same answer each time it is taken, and exactly
//     one of its answers is not a duplicate;
//   - a day's parcels have the seqs 1 to n, each once;
//   - a day's totals, and each parcel's value and status, are those of the
//     stream, whatever its order;
//   - the memory store, taking both processors' streams one after the
//     other, ends with the same days.
func TestRandomStreamsCountExactlyOnce(t *testing.T) {
	server := testenv.StartRedis(t, "--appendonly", "no")
	for round := range 3 {
		seed := uint64(round + 1)
		t.Run(fmt.Sprintf("seed %d", seed), func(t *testing.T) {
			s := newRandomStream(seed)
			cfg := window.DefaultConfig()
			cfg.KeyPrefix = fmt.Sprintf("random%d", seed)
			answers := s.countConcurrently(t, server, cfg)
			s.checkAnswers(t, answers)

			live := newStoreWith(t, server.Client(), cfg)
			s.checkDays(t, "redis-server", live)
			mem := newStore(t, nil)
			for _, stream := range s.streams {
				for start := 0; start < len(stream); start += 50 {
					if _, err := mem.Apply(context.Background(), stream[start:min(start+50, len(stream))]); err != nil {
						t.Fatal(err)
					}
				}
			}
			s.checkDays(t, "memory", mem)
		})
	}
}

// randomStream is the test's stream: each processor's ops in the order it
// takes them, and what the days must hold at the end.
type randomStream struct {
	rng     *rand.Rand
	streams [2][]window.Op
	days    map[dayRef]*wantDay
}

type dayRef struct {
	scope         window.Scope
	subject, date string
}

type wantDay struct {
	total, gift int64
	parcels     map[string]wantParcel
}

type wantParcel struct {
	value     int64
	cancelled bool
	event     string
}

func newRandomStream(seed uint64) *randomStream {
	s := &randomStream{rng: rand.New(rand.NewPCG(seed, 321)), days: map[dayRef]*wantDay{}}
	subjects := []string{fmt.Sprintf("%064x", 1), fmt.Sprintf("%064x", 2)}
	addresses := []string{fmt.Sprintf("%064x", 11), fmt.Sprintf("%064x", 12)}
	dates := []string{"2025-08-27", "2025-08-28"}
	carriers := []string{"DHL", "UPS", "USPS"}
	const parcels = 400
	// Each processor's partitions: a parcel's ops, in order, are appended
	// to its home processor's list and, for half of them, to the other's
	// too (taken again after a rebalance). The lists are then shuffled
	// across parcels, keeping each parcel's order.
	var queues [2][][]window.Op
	for i := range parcels {
		// Most parcels go to one day, which so grows past what a
		// processor holds whole.
		ref := dayRef{window.ScopeRecipientDay, subjects[0], dates[0]}
		if s.rng.IntN(2) == 0 {
			ref = dayRef{window.ScopeRecipientDay, subjects[s.rng.IntN(2)], dates[s.rng.IntN(2)]}
		}
		id := fmt.Sprintf("P-%d", i)
		value := s.rng.Int64N(60000) + 1
		parcel := randomOp(ref, id, carriers[s.rng.IntN(len(carriers))], value)
		parcel.Gift = s.rng.IntN(5) == 0
		ops := []window.Op{parcel}
		want := wantParcel{value: value, event: id}
		switch s.rng.IntN(6) {
		case 0:
			amend := randomOp(ref, id, parcel.Carrier, s.rng.Int64N(60000)+1)
			amend.Kind, amend.EventID = window.KindAmend, id+"-amend"
			ops = append(ops, amend)
			want.value, want.event = amend.ValueCents, amend.EventID
		case 1:
			cancel := randomOp(ref, id, parcel.Carrier, 0)
			cancel.Kind, cancel.EventID = window.KindCancel, id+"-cancel"
			ops = append(ops, cancel)
			want.cancelled, want.event = true, cancel.EventID
		}
		s.want(ref, id, want, parcel.Gift)
		// The parcel counts toward its address's day too, as one of the
		// names there: each op of the parcel is followed by the same op
		// of the address, as a message's ops are applied together.
		addr := dayRef{window.ScopeAddressDay, addresses[s.rng.IntN(2)], ref.date}
		// A name key is a hash: names differ in their first 128 bits,
		// which is what a subject keeps of a member.
		name := fmt.Sprintf("%032x%032x", 100+s.rng.IntN(5), 1)
		withAddress := make([]window.Op, 0, 2*len(ops))
		for _, op := range ops {
			a := op
			a.Scope, a.Subject, a.Gift, a.Member, a.MinMembers = addr.scope, addr.subject, false, name, 3
			withAddress = append(withAddress, op, a)
		}
		ops = withAddress
		s.want(addr, id, want, false)
		home := s.rng.IntN(2)
		queues[home] = append(queues[home], ops)
		if s.rng.IntN(2) == 0 {
			queues[1-home] = append(queues[1-home], ops)
		}
	}
	for w, queue := range queues {
		s.streams[w] = s.interleave(queue)
	}
	return s
}

// want records what the stream leaves of a parcel in its day.
func (s *randomStream) want(ref dayRef, id string, p wantParcel, gift bool) {
	day := s.days[ref]
	if day == nil {
		day = &wantDay{parcels: map[string]wantParcel{}}
		s.days[ref] = day
	}
	day.parcels[id] = p
	if !p.cancelled {
		day.total += p.value
		if gift {
			day.gift += p.value
		}
	}
}

// interleave merges the parcels' op lists at random, each list's ops
// staying in order, and takes one op in ten once more, up to 30 ops
// later (after a retry, or in a later fetch).
func (s *randomStream) interleave(queue [][]window.Op) []window.Op {
	var out []window.Op
	// again holds the ops to take again, by the number of first takes
	// after which they come.
	again := map[int][]window.Op{}
	taken := 0
	next := make([]int, len(queue))
	open := make([]int, len(queue))
	for i := range open {
		open[i] = i
	}
	for len(open) > 0 {
		out = append(out, again[taken]...)
		delete(again, taken)
		taken++
		k := s.rng.IntN(len(open))
		q := open[k]
		op := queue[q][next[q]]
		out = append(out, op)
		if s.rng.IntN(10) == 0 {
			at := taken + s.rng.IntN(30)
			again[at] = append(again[at], op)
		}
		next[q]++
		if next[q] == len(queue[q]) {
			open = append(open[:k], open[k+1:]...)
		}
	}
	for at := taken; len(again) > 0; at++ {
		out = append(out, again[at]...)
		delete(again, at)
	}
	return out
}

func randomOp(ref dayRef, parcel, carrier string, cents int64) window.Op {
	value := decimal.New(cents, -2)
	return window.Op{Subject: ref.subject, EntryDate: ref.date, ParcelID: parcel, Carrier: carrier,
		ValueCents: cents, Scale: 2, Regime: regime800, Parcel: &decide.Parcel{Value: value}}
}

// answer is what a processor was told of an op.
type answer struct {
	duplicate           bool
	status              window.Status
	seq, alert          int64
	total, gift         string
	superseded          string
	supersededOutcome   window.Outcome
	scope               window.Scope
	subject, date, kind string
}

// countConcurrently runs the two processors at once and returns every
// answer each event got, by event id.
func (s *randomStream) countConcurrently(t *testing.T, server *testenv.Redis, cfg window.Config) map[string][]answer {
	var mu sync.Mutex
	answers := map[string][]answer{}
	var conflicts atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for w, stream := range s.streams {
		rng := rand.New(rand.NewPCG(s.rng.Uint64(), uint64(w)))
		wg.Go(func() {
			rdb := redis.NewClient(&redis.Options{Addr: server.Addr})
			defer rdb.Close()
			var store *window.Store
			for start := 0; start < len(stream); {
				end := min(start+1+rng.IntN(20), len(stream))
				ops := stream[start:end]
				if store == nil || (w == 0 && rng.IntN(12) == 0) {
					// A start, or a restart: nothing held, nothing seen.
					var err error
					if store, err = window.New(rdb, cfg); err != nil {
						errs <- err
						return
					}
				}
				before := store.Conflicts()
				got, err := store.Apply(context.Background(), ops)
				conflicts.Add(store.Conflicts() - before)
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				for i, res := range got {
					op := &ops[i]
					id := op.ParcelID
					if op.EventID != "" {
						id = op.EventID
					}
					id = fmt.Sprintf("%d/%s", op.Scope, id)
					answers[id] = append(answers[id], answer{
						duplicate: res.Duplicate, status: res.Status, seq: res.Seq, alert: res.AlertVersion,
						total: money.Format(res.Total()), gift: money.Format(res.GiftTotal()),
						superseded: res.Superseded, supersededOutcome: res.SupersededOutcome,
						scope: op.Scope, subject: op.Subject, date: op.EntryDate, kind: string(op.Kind),
					})
				}
				mu.Unlock()
				start = end
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	t.Logf("%d and %d ops taken, %d subjects written again after a conflict", len(s.streams[0]), len(s.streams[1]), conflicts.Load())
	return answers
}

func (s *randomStream) checkAnswers(t *testing.T, answers map[string][]answer) {
	t.Helper()
	seqs := map[dayRef]map[int64]string{}
	alerted := map[window.Scope]int{}
	for id, got := range answers {
		if got[0].alert > 0 {
			alerted[got[0].scope]++
		}
		first := 0
		for _, a := range got {
			if !a.duplicate {
				first++
			}
			if a.status != window.StatusOK {
				t.Errorf("%s: status %s", id, a.status)
			}
			// A duplicate repeats the first answer in every other field.
			b := got[0]
			a.duplicate, b.duplicate = false, false
			if a != b {
				t.Errorf("%s: answered %+v, then %+v", id, b, a)
			}
		}
		if first != 1 {
			t.Errorf("%s: %d of %d answers not a duplicate, want exactly 1", id, first, len(got))
		}
		if a := got[0]; a.kind == "" || a.kind == string(window.KindParcel) {
			ref := dayRef{a.scope, a.subject, a.date}
			if seqs[ref] == nil {
				seqs[ref] = map[int64]string{}
			}
			if other, ok := seqs[ref][a.seq]; ok {
				t.Errorf("seq %d of %v given to %s and %s", a.seq, ref, other, id)
			}
			seqs[ref][a.seq] = id
		}
	}
	if alerted[window.ScopeRecipientDay] == 0 || alerted[window.ScopeAddressDay] == 0 {
		t.Errorf("events with an alert, by scope: %v; want some of recipients' and of addresses' days", alerted)
	}
	for ref, day := range s.days {
		for seq := int64(1); seq <= int64(len(day.parcels)); seq++ {
			if _, ok := seqs[ref][seq]; !ok {
				t.Errorf("%v: no parcel got seq %d of %d", ref, seq, len(day.parcels))
			}
		}
	}
}

func (s *randomStream) checkDays(t *testing.T, store string, st *window.Store) {
	t.Helper()
	for ref, want := range s.days {
		if ref.scope != window.ScopeRecipientDay {
			continue // only a recipient's day is read back whole
		}
		day, err := st.Day(context.Background(), ref.subject, ref.date)
		if err != nil {
			t.Errorf("%s: day %v: %v", store, ref, err)
			continue
		}
		if wantTotal := money.Format(money.FromCents(want.total, 2)); day.Total != wantTotal {
			t.Errorf("%s: day %v total %s, want %s", store, ref, day.Total, wantTotal)
		}
		if wantGift := money.Format(money.FromCents(want.gift, 2)); day.GiftTotal != wantGift {
			t.Errorf("%s: day %v gift total %s, want %s", store, ref, day.GiftTotal, wantGift)
		}
		if len(day.Parcels) != len(want.parcels) {
			t.Errorf("%s: day %v has %d parcels, want %d", store, ref, len(day.Parcels), len(want.parcels))
		}
		for _, p := range day.Parcels {
			w, ok := want.parcels[p.ParcelID]
			status := "active"
			if w.cancelled {
				status = "cancelled"
			}
			value := money.Format(money.FromCents(w.value, 2))
			if !ok || p.Status != status || p.EventID != w.event || (!w.cancelled && p.Value != value) {
				t.Errorf("%s: day %v parcel %s is %s %s after %s, want %s %s after %s", store, ref, p.ParcelID,
					p.Status, p.Value, p.EventID, status, value, w.event)
			}
		}
	}
}
