package window_test

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/shopspring/decimal"

	"github.com/s321/s321/internal/decide"
	"github.com/s321/s321/internal/money"
	"github.com/s321/s321/internal/testenv"
	"github.com/s321/s321/internal/window"
)

// backends runs each test against a real redis-server and against the
// memory store, since both apply the same rules. rdb is nil for the
// memory store.
func backends(t *testing.T, fn func(t *testing.T, rdb redis.UniversalClient)) {
	t.Run("redis-server", func(t *testing.T) {
		fn(t, testenv.StartRedis(t).Client())
	})
	t.Run("memory", func(t *testing.T) {
		fn(t, nil)
	})
}

// newStore returns a store over rdb, or in memory when rdb is nil.
func newStore(t *testing.T, rdb redis.UniversalClient) *window.Store {
	t.Helper()
	return newStoreWith(t, rdb, window.DefaultConfig())
}

func newStoreWith(t *testing.T, rdb redis.UniversalClient, cfg window.Config) *window.Store {
	t.Helper()
	var store *window.Store
	var err error
	if rdb == nil {
		store, err = window.NewMemory(cfg)
	} else {
		store, err = window.New(rdb, cfg)
	}
	if err != nil {
		t.Fatal(err)
	}
	return store
}

// regime800 is a regime with an $800 threshold per recipient and day.
var regime800 = &decide.Regime{ID: "test-800", Threshold: decimal.NewFromInt(800), HasThreshold: true,
	Basis: decide.BasisRecipientDay, InformalEntryLimit: decimal.NewFromInt(2500)}

func op(parcel, carrier, value string) window.Op {
	d := decimal.RequireFromString(value)
	cents, err := money.Cents(d)
	if err != nil {
		panic(err)
	}
	return window.Op{
		Subject: "rk1", EntryDate: "2024-05-01", ParcelID: parcel, Carrier: carrier,
		ValueCents: cents, Scale: money.Places(d), Regime: regime800, Parcel: &decide.Parcel{Value: d},
	}
}

func TestApplyCountsTotalsAndAlerts(t *testing.T) {
	backends(t, func(t *testing.T, rdb redis.UniversalClient) {
		ctx := context.Background()
		store := newStore(t, rdb)
		ops := []window.Op{
			op("P-1", "DHL", "450.00"),
			op("P-2", "UPS", "400.00"), // takes the day above 800: raises the alert
			op("P-3", "UPS", "900"),    // over the threshold alone; still extends the alert
			op("P-4", "Fed Ex", "0.5"),
		}
		got, err := store.Apply(ctx, ops)
		if err != nil {
			t.Fatal(err)
		}
		want := []struct {
			total    string
			seq      int64
			alert    int64
			parcels  []string
			carriers []string
		}{
			{"450.00", 1, 0, nil, nil},
			{"850.00", 2, 1, []string{"P-1", "P-2"}, []string{"DHL", "UPS"}},
			{"1750.00", 3, 2, []string{"P-1", "P-2", "P-3"}, []string{"DHL", "UPS", "UPS"}},
			{"1750.50", 4, 3, []string{"P-1", "P-2", "P-3", "P-4"}, []string{"DHL", "UPS", "UPS", "Fed Ex"}},
		}
		for i, w := range want {
			res := got[i]
			if res.Duplicate || res.Seq != w.seq || money.Format(res.Total()) != w.total || res.AlertVersion != w.alert {
				t.Errorf("op %d: got dup=%v seq=%d total=%s alert=%d, want seq=%d total=%s alert=%d",
					i, res.Duplicate, res.Seq, money.Format(res.Total()), res.AlertVersion, w.seq, w.total, w.alert)
			}
			if !equal(res.AlertParcels, w.parcels) || !equal(res.AlertCarriers, w.carriers) {
				t.Errorf("op %d: alert lists %v %v, want %v %v", i, res.AlertParcels, res.AlertCarriers, w.parcels, w.carriers)
			}
		}
	})
}

func TestApplyIsIdempotent(t *testing.T) {
	backends(t, func(t *testing.T, rdb redis.UniversalClient) {
		ctx := context.Background()
		store := newStore(t, rdb)
		ops := []window.Op{op("P-1", "DHL", "450.00"), op("P-2", "UPS", "400.00")}
		first, err := store.Apply(ctx, ops)
		if err != nil {
			t.Fatal(err)
		}
		// A retried batch, and a redelivered parcel after another one.
		again, err := store.Apply(ctx, append(ops, op("P-3", "UPS", "1"), op("P-1", "DHL", "450.00")))
		if err != nil {
			t.Fatal(err)
		}
		for i := range ops {
			if !again[i].Duplicate {
				t.Errorf("op %d: not reported as duplicate", i)
			}
			if again[i].Seq != first[i].Seq || !again[i].Total().Equal(first[i].Total()) || again[i].AlertVersion != first[i].AlertVersion ||
				!equal(again[i].AlertParcels, first[i].AlertParcels) {
				t.Errorf("op %d: redelivery answered %+v, first answer was %+v", i, again[i], first[i])
			}
		}
		if got := money.Format(again[2].Total()); got != "851.00" {
			t.Errorf("P-3 total %s, want 851.00 (P-1 and P-2 counted once)", got)
		}
		if last := again[3]; !last.Duplicate || money.Format(last.Total()) != "450.00" {
			t.Errorf("redelivered P-1: %+v, want its first answer 450.00", last)
		}
		if rdb != nil {
			total, err := rdb.HGet(ctx, store.DayKey("rk1", "2024-05-01"), "total").Result()
			if err != nil || total != "85100" {
				t.Errorf("stored total %q (%v), want 85100 cents", total, err)
			}
		}
	})
}

func TestApplyWithoutThresholdRaisesNoAlert(t *testing.T) {
	backends(t, func(t *testing.T, rdb redis.UniversalClient) {
		store := newStore(t, rdb)
		a, b := op("P-1", "DHL", "700"), op("P-2", "DHL", "700")
		a.Regime, b.Regime = nil, nil
		got, err := store.Apply(context.Background(), []window.Op{a, b})
		if err != nil {
			t.Fatal(err)
		}
		if got[1].AlertVersion != 0 || money.Format(got[1].Total()) != "1400" {
			t.Errorf("got %+v, want total 1400 and no alert", got[1])
		}
	})
}

func TestApplySeparatesRecipientsAndDays(t *testing.T) {
	backends(t, func(t *testing.T, rdb redis.UniversalClient) {
		store := newStore(t, rdb)
		a, b, c := op("P-1", "DHL", "500"), op("P-2", "DHL", "500"), op("P-3", "DHL", "500")
		b.Subject = "rk2"
		c.EntryDate = "2024-05-02"
		got, err := store.Apply(context.Background(), []window.Op{a, b, c})
		if err != nil {
			t.Fatal(err)
		}
		for i, res := range got {
			if money.Format(res.Total()) != "500" || res.Seq != 1 {
				t.Errorf("op %d: %+v, want a day of its own", i, res)
			}
		}
	})
}

// TestApplySetsTTL: every subject is one hash, which expires TTL after its
// last update; no other key is left behind.
func TestApplySetsTTL(t *testing.T) {
	rdb := testenv.StartRedis(t).Client()
	cfg := window.DefaultConfig()
	cfg.TTL = time.Hour
	store, err := window.New(rdb, cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	addr := op("P-2", "DHL", "1")
	addr.Scope, addr.Subject, addr.Member, addr.MinMembers = window.ScopeAddressDay, "addr-1", "ann", 3
	if _, err := store.Apply(ctx, []window.Op{op("P-1", "DHL", "1"), addr}); err != nil {
		t.Fatal(err)
	}
	keys, err := rdb.Keys(ctx, "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(keys)
	want := []string{store.Key(&addr), store.DayKey("rk1", "2024-05-01")}
	slices.Sort(want)
	if !slices.Equal(keys, want) {
		t.Fatalf("keys %v, want %v", keys, want)
	}
	for _, k := range keys {
		ttl, err := rdb.PTTL(ctx, k).Result()
		if err != nil || ttl <= 59*time.Minute || ttl > time.Hour {
			t.Errorf("%s: ttl %s (%v), want about 1h", k, ttl, err)
		}
	}
}

// TestApplyAddsLargeTotalsExactly: totals are int64 cents, exact beyond
// what a double holds (2^53).
func TestApplyAddsLargeTotalsExactly(t *testing.T) {
	backends(t, func(t *testing.T, rdb redis.UniversalClient) {
		store := newStore(t, rdb)
		big := op("P-1", "DHL", "1")
		big.ValueCents, big.Scale = 9007199254740991, 2 // 2^53 - 1
		got, err := store.Apply(context.Background(), []window.Op{big, op("P-2", "DHL", "0.01"), op("P-3", "DHL", "0.01")})
		if err != nil {
			t.Fatal(err)
		}
		for i, want := range []string{"90071992547409.91", "90071992547409.92", "90071992547409.93"} {
			if got[i].Total().StringFixed(2) != want {
				t.Errorf("op %d: total %s, want %s", i, got[i].Total().StringFixed(2), want)
			}
		}
	})
}

// Regression: after SCRIPT FLUSH (or a Redis restart without the script
// cache) EVALSHA fails with NOSCRIPT; Apply must load the script and go on.
// The subject exists before the flush, so that its write is the script's
// (a new subject is created by RESTORE).
func TestApplyRecoversFromScriptFlush(t *testing.T) {
	rdb := testenv.StartRedis(t).Client()
	store := newStore(t, rdb)
	ctx := context.Background()
	if err := store.Load(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Apply(ctx, []window.Op{op("P-1", "DHL", "12.34")}); err != nil {
		t.Fatal(err)
	}
	if err := rdb.ScriptFlush(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	got, err := store.Apply(ctx, []window.Op{op("P-2", "DHL", "1")})
	if err != nil {
		t.Fatal(err)
	}
	if money.Format(got[0].Total()) != "13.34" {
		t.Errorf("total %s, want 13.34", money.Format(got[0].Total()))
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  window.Config
		ok   bool
	}{
		{"defaults", window.DefaultConfig(), true},
		{"empty prefix", window.Config{TTL: time.Hour}, false},
		{"brace in prefix", window.Config{KeyPrefix: "a{b", TTL: time.Hour}, false},
		{"ttl too short", window.Config{KeyPrefix: "s321", TTL: time.Millisecond}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.cfg.Validate(); (err == nil) != tc.ok {
				t.Errorf("Validate() = %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestGiftTotalIsSeparate(t *testing.T) {
	backends(t, func(t *testing.T, rdb redis.UniversalClient) {
		store := newStore(t, rdb)
		a, b, c := op("G-1", "DHL", "60.00"), op("P-1", "DHL", "500"), op("G-2", "DHL", "50.00")
		a.Gift, c.Gift = true, true
		got, err := store.Apply(context.Background(), []window.Op{a, b, c})
		if err != nil {
			t.Fatal(err)
		}
		wantGift := []string{"60.00", "60.00", "110.00"}
		wantDay := []string{"60.00", "560.00", "610.00"}
		for i := range got {
			if money.Format(got[i].GiftTotal()) != wantGift[i] || money.Format(got[i].Total()) != wantDay[i] {
				t.Errorf("op %d: gift total %s day total %s, want %s and %s", i,
					money.Format(got[i].GiftTotal()), money.Format(got[i].Total()), wantGift[i], wantDay[i])
			}
		}
	})
}

func TestAmendAndCancel(t *testing.T) {
	backends(t, func(t *testing.T, rdb redis.UniversalClient) {
		ctx := context.Background()
		store := newStore(t, rdb)
		gift := op("P-1", "DHL", "40.00")
		gift.Gift = true
		if _, err := store.Apply(ctx, []window.Op{gift, op("P-2", "UPS", "500.00")}); err != nil {
			t.Fatal(err)
		}
		amend := op("P-1", "DHL", "90.00")
		amend.Kind, amend.EventID = window.KindAmend, "P-1-amend-1"
		cancel := op("P-2", "UPS", "0")
		cancel.Kind, cancel.EventID = window.KindCancel, "P-2-cancel-1"
		again := cancel
		again.EventID = "P-2-cancel-2"
		unknown := op("P-9", "UPS", "0")
		unknown.Kind, unknown.EventID = window.KindCancel, "P-9-cancel"
		same := op("P-1", "DHL", "10.00")
		same.Kind, same.EventID = window.KindAmend, "P-1-amend-1-dup"
		ops := []window.Op{amend, cancel, again, unknown}
		got, err := store.Apply(ctx, ops)
		if err != nil {
			t.Fatal(err)
		}
		check := func(name string, res window.Result, status window.Status, total, giftTotal, superseded string) {
			t.Helper()
			if res.Status != status || (status == window.StatusOK && (money.Format(res.Total()) != total || money.Format(res.GiftTotal()) != giftTotal)) || res.Superseded != superseded {
				t.Errorf("%s: status %s total %s gift %s supersedes %q; want %s %s %s %q", name, res.Status,
					money.Format(res.Total()), money.Format(res.GiftTotal()), res.Superseded, status, total, giftTotal, superseded)
			}
		}
		check("amend", got[0], window.StatusOK, "590.00", "90.00", "P-1")
		check("cancel", got[1], window.StatusOK, "90.00", "90.00", "P-2")
		check("second cancel", got[2], window.StatusCancelled, "", "", "P-2-cancel-1")
		check("cancel of an unknown parcel", got[3], window.StatusUnknown, "", "", "")

		// Redelivered events answer as the first time and change nothing;
		// a second amend supersedes the first.
		same.EventID = "P-1-amend-2"
		redo, err := store.Apply(ctx, []window.Op{amend, cancel, same})
		if err != nil {
			t.Fatal(err)
		}
		if !redo[0].Duplicate || !redo[1].Duplicate {
			t.Errorf("redelivered amend and cancel not reported as duplicates: %+v", redo[:2])
		}
		check("redelivered amend", redo[0], window.StatusOK, "590.00", "90.00", "P-1")
		check("redelivered cancel", redo[1], window.StatusOK, "90.00", "90.00", "P-2")
		check("second amend", redo[2], window.StatusOK, "10.00", "10.00", "P-1-amend-1")

		reuse := op("P-1", "DHL", "20.00")
		reuse.Kind, reuse.EventID = window.KindAmend, "P-1-amend-2"
		// Already applied: a duplicate, not a new amend.
		res, err := store.Apply(ctx, []window.Op{reuse})
		if err != nil || !res[0].Duplicate || money.Format(res[0].Total()) != "10.00" {
			t.Errorf("re-sent amend: %+v %v, want the duplicate answer 10.00", res, err)
		}
		day, err := store.Day(ctx, "rk1", "2024-05-01")
		if err != nil || day.Total != "10.00" {
			t.Errorf("day total %+v (%v), want 10.00 (P-1 amended to 10.00, P-2 cancelled)", day, err)
		}
	})
}

func TestAmendWithTheEventItSupersedes(t *testing.T) {
	backends(t, func(t *testing.T, rdb redis.UniversalClient) {
		store := newStore(t, rdb)
		amend := op("P-1", "DHL", "5")
		amend.Kind, amend.EventID = window.KindAmend, "P-1"
		got, err := store.Apply(context.Background(), []window.Op{op("P-1", "DHL", "1"), amend})
		if err != nil {
			t.Fatal(err)
		}
		if got[1].Status != window.StatusSameEvent {
			t.Errorf("status %s, want %s", got[1].Status, window.StatusSameEvent)
		}
	})
}

func TestLinkResolvesToTheFirstRecipientSeen(t *testing.T) {
	backends(t, func(t *testing.T, rdb redis.UniversalClient) {
		ctx := context.Background()
		store := newStore(t, rdb)
		got, err := store.Link(ctx, []window.LinkRequest{
			{Links: []string{"phoneA", "emailA"}, Own: "rk-ann"},
			{Links: []string{"", ""}, Own: "rk-bob"},
		})
		if err != nil {
			t.Fatal(err)
		}
		if got[0] != "rk-ann" || got[1] != "rk-bob" {
			t.Fatalf("first sight: %v, want own keys", got)
		}
		got, err = store.Link(ctx, []window.LinkRequest{
			{Links: []string{"phoneA", ""}, Own: "rk-ann-spelt-otherwise"},
			{Links: []string{"phoneB", "emailA"}, Own: "rk-carol"}, // email links to Ann
			{Links: []string{"phoneC"}, Own: "rk-dan"},
		})
		if err != nil {
			t.Fatal(err)
		}
		if got[0] != "rk-ann" || got[1] != "rk-ann" || got[2] != "rk-dan" {
			t.Fatalf("second sight: %v, want rk-ann rk-ann rk-dan", got)
		}
		// phoneB was recorded with the key it resolved to.
		got, err = store.Link(ctx, []window.LinkRequest{{Links: []string{"phoneB"}, Own: "rk-erin"}})
		if err != nil || got[0] != "rk-ann" {
			t.Fatalf("phoneB: %v %v, want rk-ann", got, err)
		}
	})
}

func TestOrderScopeSpansDays(t *testing.T) {
	backends(t, func(t *testing.T, rdb redis.UniversalClient) {
		store := newStore(t, rdb)
		a, b := op("P-1", "DHL", "500"), op("P-2", "UPS", "400")
		for _, o := range []*window.Op{&a, &b} {
			o.Scope, o.Subject = window.ScopeOrder, "order-1"
		}
		b.EntryDate = "2024-05-09" // another day, another recipient: same order
		got, err := store.Apply(context.Background(), []window.Op{a, b})
		if err != nil {
			t.Fatal(err)
		}
		if got[1].AlertVersion != 1 || money.Format(got[1].Total()) != "900" || !equal(got[1].AlertParcels, []string{"P-1", "P-2"}) {
			t.Errorf("order: %+v, want version 1, total 900, both parcels", got[1])
		}
	})
}

func TestAddressScopeNeedsDistinctNames(t *testing.T) {
	backends(t, func(t *testing.T, rdb redis.UniversalClient) {
		store := newStore(t, rdb)
		mk := addressOp
		got, err := store.Apply(context.Background(), []window.Op{
			mk("P-1", "700", "ann"),
			mk("P-2", "700", "ann"), // the same name again: still one
			mk("P-3", "10", "bob"),  // two names, total above 800: not yet
			mk("P-4", "10", "cat"),  // three names: raised
			mk("P-5", "1", "ann"),   // republished
		})
		if err != nil {
			t.Fatal(err)
		}
		wantVersions := []int64{0, 0, 0, 1, 2}
		for i, res := range got {
			if res.AlertVersion != wantVersions[i] {
				t.Errorf("op %d: alert version %d, want %d", i, res.AlertVersion, wantVersions[i])
			}
		}
		if !equal(got[4].AlertParcels, []string{"P-1", "P-2", "P-3", "P-4", "P-5"}) {
			t.Errorf("list %v", got[4].AlertParcels)
		}
	})
}

// Regression: the alert-keeping script ran only through EVALSHA in a
// pipeline, so on a Redis that had not loaded it every batch with an alert
// failed with NOSCRIPT, forever. Record now falls back to EVAL.
func TestRecordAndQuery(t *testing.T) {
	backends(t, func(t *testing.T, rdb redis.UniversalClient) {
		ctx := context.Background()
		store := newStore(t, rdb)
		if rdb != nil {
			if err := rdb.ScriptFlush(ctx).Err(); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := store.Apply(ctx, []window.Op{op("P-1", "DHL", "450.00"), op("P-2", "UPS", "400.00")}); err != nil {
			t.Fatal(err)
		}
		err := store.Record(ctx,
			[]window.ParcelRecord{
				decisionRecord("P-1", "d1", "2026-01-01T00:00:00.000Z"),
				superseding(decisionRecord("P-1", "d2", "2026-01-02T00:00:00.000Z")),
				decisionRecord("P-1", "d1", "2026-01-01T00:00:00.000Z"), // redelivered
			},
			[]window.AlertRecord{
				{AlertID: "A", EntryDate: "2024-05-01", Version: 2, Alert: []byte(`{"v":2}`)},
				{AlertID: "A", EntryDate: "2024-05-01", Version: 1, Alert: []byte(`{"v":1}`)}, // older: ignored
				{AlertID: "B", EntryDate: "2024-05-01", Version: 1, Alert: []byte(`{"b":1}`)},
			})
		if err != nil {
			t.Fatal(err)
		}
		history, err := store.ParcelHistory(ctx, "P-1")
		if err != nil || len(history) != 2 || !strings.Contains(string(history[1]), "01-02") {
			t.Errorf("history %q %v", history, err)
		}
		if _, err := store.ParcelHistory(ctx, "P-9"); !errors.Is(err, window.ErrNotFound) {
			t.Errorf("unknown parcel: %v, want ErrNotFound", err)
		}
		alerts, err := store.Alerts(ctx, "2024-05-01")
		if err != nil || len(alerts) != 2 || string(alerts[0]) != `{"v":2}` || string(alerts[1]) != `{"b":1}` {
			t.Errorf("alerts %q %v", alerts, err)
		}
		day, err := store.Day(ctx, "rk1", "2024-05-01")
		if err != nil {
			t.Fatal(err)
		}
		if day.Total != "850.00" || len(day.Parcels) != 2 || day.Parcels[1].ParcelID != "P-2" || day.Parcels[1].Value != "400.00" ||
			day.Parcels[1].Carrier != "UPS" || day.Parcels[1].DayTotal != "850.00" || day.Parcels[0].Status != "active" {
			t.Errorf("day %+v", day)
		}
	})
}

// Regression: a parcel whose phone was first seen in a concurrent batch
// kept its own key; redelivered later it resolved to the other recipient,
// got another decision than the first time and was counted under two keys.
// Its answer is now pinned when its link was recorded by the other batch.
func TestLinkAnswerIsPinnedPerParcel(t *testing.T) {
	redisOnly(t, func(t *testing.T, rdb redis.UniversalClient) {
		ctx := context.Background()
		store := newStore(t, rdb)
		first, write, err := store.Resolve(ctx, []window.LinkRequest{{Links: []string{"phoneZ"}, Own: "rk-b", ParcelID: "B-1"}})
		if err != nil || first[0] != "rk-b" {
			t.Fatalf("first: %v %v", first, err)
		}
		// Another recipient's batch records phoneZ between this batch's
		// read and its write: this batch's SET NX loses.
		if err := rdb.Set(ctx, "s321:link:{phoneZ}", "rk-a", 0).Err(); err != nil {
			t.Fatal(err)
		}
		if err := write(ctx); err != nil {
			t.Fatal(err)
		}
		again, err := store.Link(ctx, []window.LinkRequest{
			{Links: []string{"phoneZ"}, Own: "rk-b", ParcelID: "B-1"}, // redelivered: pinned
			{Links: []string{"phoneZ"}, Own: "rk-b", ParcelID: "B-2"}, // new: linked
		})
		if err != nil || again[0] != "rk-b" || again[1] != "rk-a" {
			t.Fatalf("again: %v %v, want rk-b (pinned) and rk-a", again, err)
		}
	})
}

// TestLinkPinsOnlyWhatARaceCouldChange: a parcel whose links this batch
// recorded, or found recorded, resolves the same way again without a pin,
// so the common parcel writes no key of its own.
func TestLinkPinsOnlyWhatARaceCouldChange(t *testing.T) {
	redisOnly(t, func(t *testing.T, rdb redis.UniversalClient) {
		ctx := context.Background()
		store := newStore(t, rdb)
		reqs := []window.LinkRequest{
			{Links: []string{"phoneP", "mailP"}, Own: "rk-p", ParcelID: "P-1"},
			{Links: []string{"phoneP", ""}, Own: "rk-q", ParcelID: "Q-1"}, // linked to rk-p within the batch
		}
		first, err := store.Link(ctx, reqs)
		if err != nil || !slices.Equal(first, []string{"rk-p", "rk-p"}) {
			t.Fatalf("first: %v %v", first, err)
		}
		if pins, err := rdb.Keys(ctx, "s321:pin:*").Result(); err != nil || len(pins) != 0 {
			t.Errorf("pins %v (%v), want none", pins, err)
		}
		again, err := store.Link(ctx, reqs)
		if err != nil || !slices.Equal(again, first) {
			t.Errorf("redelivered: %v %v, want %v", again, err, first)
		}
	})
}

// TestLinkRedeliveryResolvesAsFirst: a parcel seen again resolves to the
// key it got the first time, whatever other parcels' links were recorded
// since; the memory store keeps no pin for it.
func TestLinkRedeliveryResolvesAsFirst(t *testing.T) {
	backends(t, func(t *testing.T, rdb redis.UniversalClient) {
		ctx := context.Background()
		store := newStore(t, rdb)
		if _, err := store.Link(ctx, []window.LinkRequest{{Links: []string{"", "mailA"}, Own: "rk-a", ParcelID: "A-1"}}); err != nil {
			t.Fatal(err)
		}
		first := []window.LinkRequest{
			{Links: []string{"phoneB", ""}, Own: "rk-b", ParcelID: "B-1"},      // its own key
			{Links: []string{"phoneC", "mailA"}, Own: "rk-c", ParcelID: "C-1"}, // linked to rk-a by mail
		}
		got, err := store.Link(ctx, first)
		if err != nil || !slices.Equal(got, []string{"rk-b", "rk-a"}) {
			t.Fatalf("first: %v %v, want rk-b rk-a", got, err)
		}
		// Other recipients' parcels share the links since.
		if _, err := store.Link(ctx, []window.LinkRequest{
			{Links: []string{"phoneC", "mailB"}, Own: "rk-d", ParcelID: "D-1"},
			{Links: []string{"phoneE", "phoneB"}, Own: "rk-e", ParcelID: "E-1"},
		}); err != nil {
			t.Fatal(err)
		}
		again, err := store.Link(ctx, first)
		if err != nil || !slices.Equal(again, got) {
			t.Errorf("redelivered: %v %v, want %v", again, err, got)
		}
	})
}

// TestLinkRenewsAKnownLink: a link expires TTL after its last use, so a
// phone used every few days stays linked.
func TestLinkRenewsAKnownLink(t *testing.T) {
	redisOnly(t, func(t *testing.T, rdb redis.UniversalClient) {
		ctx := context.Background()
		cfg := window.DefaultConfig()
		cfg.TTL = time.Hour
		store := newStoreWith(t, rdb, cfg)
		// Recorded long ago: a minute left.
		if err := rdb.Set(ctx, "s321:link:{phoneY}", "rk-a", time.Minute).Err(); err != nil {
			t.Fatal(err)
		}
		got, err := store.Link(ctx, []window.LinkRequest{{Links: []string{"phoneY", "mailY"}, Own: "rk-b", ParcelID: "B-1"}})
		if err != nil || got[0] != "rk-a" {
			t.Fatalf("link: %v %v, want rk-a", got, err)
		}
		for _, key := range []string{"s321:link:{phoneY}", "s321:link:{mailY}"} {
			ttl, err := rdb.PTTL(ctx, key).Result()
			if err != nil || ttl <= 59*time.Minute || ttl > time.Hour {
				t.Errorf("%s: ttl %s (%v), want about 1h", key, ttl, err)
			}
		}
		if v, err := rdb.Get(ctx, "s321:link:{mailY}").Result(); err != nil || v != "rk-a" {
			t.Errorf("mailY links %q (%v), want rk-a", v, err)
		}
	})
}

// TestResolveWritesOnlyWhenAsked: Resolve answers from one round trip and
// leaves the recording of new links and pins to the function it returns,
// which the processor runs alongside the counting.
func TestResolveWritesOnlyWhenAsked(t *testing.T) {
	redisOnly(t, func(t *testing.T, rdb redis.UniversalClient) {
		ctx := context.Background()
		store := newStore(t, rdb)
		keys, write, err := store.Resolve(ctx, []window.LinkRequest{
			{Links: []string{"phoneQ"}, Own: "rk-a", ParcelID: "A-1"},
			{Links: []string{"phoneQ"}, Own: "rk-b", ParcelID: "B-1"}, // linked within the slice
		})
		if err != nil || !slices.Equal(keys, []string{"rk-a", "rk-a"}) {
			t.Fatalf("resolve: %v %v, want rk-a twice", keys, err)
		}
		if n, err := rdb.Exists(ctx, "s321:link:{phoneQ}").Result(); err != nil || n != 0 {
			t.Fatalf("the link is recorded before write (%d, %v)", n, err)
		}
		if err := write(ctx); err != nil {
			t.Fatal(err)
		}
		if v, err := rdb.Get(ctx, "s321:link:{phoneQ}").Result(); err != nil || v != "rk-a" {
			t.Errorf("link %q (%v), want rk-a", v, err)
		}
		again, err := store.Link(ctx, []window.LinkRequest{{Links: []string{"phoneQ"}, Own: "rk-b", ParcelID: "B-1"}})
		if err != nil || again[0] != "rk-a" {
			t.Errorf("B-1 again: %v %v, want its pinned rk-a", again, err)
		}
	})
}

// addressOp is an op of the day of address "addr-1", by member, whose
// alert needs three distinct members.
func addressOp(parcel, value, member string) window.Op {
	o := op(parcel, "DHL", value)
	o.Scope, o.Subject, o.Member, o.MinMembers = window.ScopeAddressDay, "addr-1", member, 3
	return o
}

// nameKey is a name key as the processor makes them: 64 hex characters.
func nameKey(name string) string {
	return strings.Repeat(name[:1], 8) + strings.Repeat("0123456789abcdef", 4)[8:]
}

// TestAddressDayStaysCompact: an address's day marks each name by the
// first 32 characters of its key, so no field passes Redis's 64-byte
// listpack limit and a small hash keeps the compact encoding.
func TestAddressDayStaysCompact(t *testing.T) {
	rdb := testenv.StartRedis(t).Client()
	ctx := context.Background()
	store := newStore(t, rdb)
	var ops []window.Op
	for i, name := range []string{"ann", "bob", "cat"} {
		o := addressOp("P-"+name, "300", nameKey(name))
		if len(o.Member) != 64 {
			t.Fatalf("name key %d of %d characters", i, len(o.Member))
		}
		ops = append(ops, o)
	}
	got, err := store.Apply(ctx, ops)
	if err != nil {
		t.Fatal(err)
	}
	if got[2].AlertVersion != 1 {
		t.Errorf("third name: alert version %d, want 1", got[2].AlertVersion)
	}
	key := store.Key(&ops[0])
	if enc, err := rdb.ObjectEncoding(ctx, key).Result(); err != nil || enc != "listpack" {
		t.Errorf("address day encoded as %q (%v), want listpack", enc, err)
	}
	fields, err := rdb.HKeys(ctx, key).Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fields {
		if len(f) > 64 {
			t.Errorf("field %q: %d bytes", f, len(f))
		}
	}
}

// redisOnly runs a test of what only the Redis store does (links recorded
// by a second round trip, expiry by the clock).
func redisOnly(t *testing.T, fn func(t *testing.T, rdb redis.UniversalClient)) {
	fn(t, testenv.StartRedis(t).Client())
}

func superseding(r window.ParcelRecord) window.ParcelRecord {
	r.Superseding = true
	return r
}

// TestAMemberIsItsFirst128Bits: two name keys that share their first 32
// characters are one member, whether the address's day is held whole or
// read back by a store that has just started: the count does not depend
// on which.
func TestAMemberIsItsFirst128Bits(t *testing.T) {
	backends(t, func(t *testing.T, rdb redis.UniversalClient) {
		ctx := context.Background()
		ann, annToo := nameKey("a"), nameKey("a")[:32]+strings.Repeat("f", 32)
		ops := []window.Op{
			addressOp("P-1", "400.00", ann),
			addressOp("P-2", "400.00", annToo),
			addressOp("P-3", "400.00", nameKey("b")),
			addressOp("P-4", "400.00", nameKey("c")),
		}
		for _, restartAt := range []int{0, 1, 2, 3} {
			cfg := window.DefaultConfig()
			cfg.KeyPrefix = "members" + strconv.Itoa(restartAt)
			store := newStoreWith(t, rdb, cfg)
			var alerts []int64
			for i := range ops {
				if rdb != nil && i == restartAt {
					store = newStoreWith(t, rdb, cfg) // nothing held
				}
				got, err := store.Apply(ctx, ops[i:i+1])
				if err != nil {
					t.Fatal(err)
				}
				alerts = append(alerts, got[0].AlertVersion)
			}
			// Three members only with P-4: P-2's name is P-1's.
			if want := []int64{0, 0, 0, 1}; !slices.Equal(alerts, want) {
				t.Errorf("restarted before op %d: alert versions %v, want %v", restartAt, alerts, want)
			}
		}
	})
}
