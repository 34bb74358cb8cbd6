package window_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/s321/s321/internal/testenv"
	"github.com/s321/s321/internal/window"
)

func alertRecord(n int, date string, parcels ...string) window.AlertRecord {
	quoted := make([]string, len(parcels))
	for i, p := range parcels {
		quoted[i] = `"` + p + `"`
	}
	return window.AlertRecord{
		AlertID: fmt.Sprintf("A%03d", n), EntryDate: date, Version: 1,
		Alert: fmt.Appendf(nil, `{"n":%d,"parcel_ids":[%s]}`, n, strings.Join(quoted, ",")),
	}
}

// Regression: /v1/alerts read a whole day's alerts (HGETALL) for every
// request. A day's alerts are now indexed and read a page at a time.
func TestAlertsArePagedInIDOrder(t *testing.T) {
	backends(t, func(t *testing.T, rdb redis.UniversalClient) {
		ctx := context.Background()
		store := newStore(t, rdb)
		var records []window.AlertRecord
		for n := 25; n >= 1; n-- {
			records = append(records, alertRecord(n, "2024-05-01"))
		}
		if err := store.Record(ctx, nil, records); err != nil {
			t.Fatal(err)
		}
		var got []string
		after, pages := "", 0
		for {
			page, err := store.AlertsPage(ctx, "2024-05-01", after, 10)
			if err != nil {
				t.Fatal(err)
			}
			pages++
			if len(page.Alerts) > 10 {
				t.Fatalf("page of %d alerts, limit 10", len(page.Alerts))
			}
			for _, a := range page.Alerts {
				got = append(got, string(a))
			}
			if page.Next == "" {
				break
			}
			after = page.Next
		}
		if pages != 3 || len(got) != 25 || got[0] != `{"n":1,"parcel_ids":[]}` || got[24] != `{"n":25,"parcel_ids":[]}` {
			t.Errorf("%d pages, %d alerts, first %q", pages, len(got), got[:min(1, len(got))])
		}
		empty, err := store.AlertsPage(ctx, "2024-05-02", "", 10)
		if err != nil || len(empty.Alerts) != 0 || empty.Next != "" {
			t.Errorf("day without alerts: %+v %v", empty, err)
		}
	})
}

// A page is read from the index: the day's hash is never read whole.
func TestAlertsPageReadsOnlyThePage(t *testing.T) {
	rdb := testenv.StartRedis(t).Client()
	ctx := context.Background()
	store := newStore(t, rdb)
	var records []window.AlertRecord
	for n := range 50 {
		records = append(records, alertRecord(n, "2024-05-01"))
	}
	if err := store.Record(ctx, nil, records); err != nil {
		t.Fatal(err)
	}
	if err := rdb.ConfigResetStat(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	page, err := store.AlertsPage(ctx, "2024-05-01", "A010", 5)
	if err != nil || len(page.Alerts) != 5 || page.Next != "A015" {
		t.Fatalf("page %d alerts, next %q, %v", len(page.Alerts), page.Next, err)
	}
	stats, err := rdb.Info(ctx, "commandstats").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, whole := range []string{"cmdstat_hgetall", "cmdstat_hkeys", "cmdstat_hvals", "cmdstat_hscan"} {
		if strings.Contains(stats, whole+":") {
			t.Errorf("the page read the day whole (%s):\n%s", whole, stats)
		}
	}
	if !strings.Contains(stats, "cmdstat_zrangebylex:") || !strings.Contains(stats, "cmdstat_hmget:") {
		t.Errorf("the page was not read from the index:\n%s", stats)
	}
}

// A day kept before the index existed (a hash alone) is indexed when it is
// first read or written, so an upgrade loses no alert from the queries.
func TestAlertsOfADayKeptBeforeTheIndex(t *testing.T) {
	redisOnly(t, func(t *testing.T, rdb redis.UniversalClient) {
		ctx := context.Background()
		store := newStore(t, rdb)
		for _, date := range []string{"2024-05-01", "2024-05-02"} {
			if err := rdb.HSet(ctx, "s321:alerts:{"+date+"}", "A001", `1 {"old":1}`, "A002", `1 {"old":2}`).Err(); err != nil {
				t.Fatal(err)
			}
		}
		// Read first.
		alerts, err := store.Alerts(ctx, "2024-05-01")
		if err != nil || len(alerts) != 2 || string(alerts[1]) != `{"old":2}` {
			t.Errorf("read first: %q %v", alerts, err)
		}
		// Written first.
		if err := store.Record(ctx, nil, []window.AlertRecord{alertRecord(3, "2024-05-02")}); err != nil {
			t.Fatal(err)
		}
		alerts, err = store.Alerts(ctx, "2024-05-02")
		if err != nil || len(alerts) != 3 || string(alerts[0]) != `{"old":1}` {
			t.Errorf("written first: %q %v", alerts, err)
		}
	})
}

// Regression: explaining a parcel read every alert of its day to find the
// few that list it. A parcel's record now names the alerts of its
// subjects, which are read by id.
func TestParcelAlertsAreTheOnesListingIt(t *testing.T) {
	backends(t, func(t *testing.T, rdb redis.UniversalClient) {
		ctx := context.Background()
		store := newStore(t, rdb)
		refs := []window.AlertRef{{EntryDate: "2024-05-02", AlertID: "A003"}, {EntryDate: "2024-05-01", AlertID: "A001"},
			{EntryDate: "2024-05-01", AlertID: "A404"}} // never raised
		err := store.Record(ctx,
			[]window.ParcelRecord{{ParcelID: "P-1", DecisionID: "d1", EntryDate: "2024-05-01", Decision: []byte(`{}`), Alerts: refs}},
			[]window.AlertRecord{
				alertRecord(1, "2024-05-01", "P-1", "P-2"),
				alertRecord(2, "2024-05-01", "P-3"),
				alertRecord(3, "2024-05-02", "P-1"),
			})
		if err != nil {
			t.Fatal(err)
		}
		newer := alertRecord(1, "2024-05-01", "P-1", "P-2", "P-4")
		newer.Version = 2
		if err := store.Record(ctx, nil, []window.AlertRecord{newer}); err != nil {
			t.Fatal(err)
		}
		alerts, err := store.ParcelAlerts(ctx, "P-1")
		if err != nil {
			t.Fatal(err)
		}
		want := []string{`{"n":1,"parcel_ids":["P-1","P-2","P-4"]}`, `{"n":3,"parcel_ids":["P-1"]}`}
		if len(alerts) != len(want) || string(alerts[0]) != want[0] || string(alerts[1]) != want[1] {
			t.Errorf("P-1's alerts %q, want %q", alerts, want)
		}
		if none, err := store.ParcelAlerts(ctx, "P-9"); err != nil || len(none) != 0 {
			t.Errorf("P-9's alerts %q %v", none, err)
		}
		if history, err := store.ParcelHistory(ctx, "P-1"); err != nil || len(history) != 1 {
			t.Errorf("P-1's history %q %v, want its one decision (not the names of its alerts)", history, err)
		}
	})
}

// Regression: a parcel's history was read and returned whole, however many
// amends a carrier had sent for it. It is now the newest MaxHistory.
func TestParcelHistoryIsBounded(t *testing.T) {
	backends(t, func(t *testing.T, rdb redis.UniversalClient) {
		ctx := context.Background()
		store := newStore(t, rdb)
		total := window.MaxHistory + 25
		var records []window.ParcelRecord
		for i := range total {
			records = append(records, window.ParcelRecord{ParcelID: "P-1", DecisionID: fmt.Sprintf("d%03d", i), Superseding: i > 0,
				Decision: fmt.Appendf(nil, `{"decided_at":"2026-01-01T00:%02d:%02d.000Z"}`, i/60, i%60)})
		}
		if err := store.Record(ctx, records, nil); err != nil {
			t.Fatal(err)
		}
		history, err := store.ParcelHistory(ctx, "P-1")
		if err != nil {
			t.Fatal(err)
		}
		if len(history) != window.MaxHistory {
			t.Fatalf("%d decisions, want the newest %d", len(history), window.MaxHistory)
		}
		if string(history[0]) != string(records[25].Decision) || string(history[len(history)-1]) != string(records[total-1].Decision) {
			t.Errorf("history from %s to %s", history[0], history[len(history)-1])
		}
	})
}
