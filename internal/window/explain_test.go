package window_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/s321/s321/internal/event"
	"github.com/s321/s321/internal/testenv"
	"github.com/s321/s321/internal/window"
)

// decisionRecord is a decision of a parcel, decided at decidedAt, as the
// processor records it (compact).
func decisionRecord(parcelID, decisionID, decidedAt string) window.ParcelRecord {
	d := event.Decision{Schema: event.SchemaDecision, DecisionID: decisionID, EventID: parcelID, ParcelID: parcelID,
		EntryDate: "2024-05-01", Reasons: []string{}, RecipientKey: "r1", DecidedAt: decidedAt}
	return window.ParcelRecord{ParcelID: parcelID, DecisionID: decisionID, EntryDate: d.EntryDate, Decision: d.AppendCompact(nil)}
}

// published is a recorded decision's JSON, as published.
func published(t *testing.T, r window.ParcelRecord) string {
	t.Helper()
	var d event.Decision
	if _, err := d.ParseCompact(r.Decision); err != nil {
		t.Fatal(err)
	}
	return string(d.AppendJSON(nil))
}

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

// subjectAlert is version 1 of the alert of subject on date, listing
// parcels, with its id as the processor names it; n tells it apart.
func subjectAlert(n int, subject window.AlertSubject, date string, parcels ...string) window.AlertRecord {
	a := alertRecord(n, date, parcels...)
	a.AlertID = event.SubjectAlertID(subject.Type, subject.Key, date)
	return a
}

// Regression: explaining a parcel read every alert of its day to find the
// few that list it. A parcel's record now names its subjects, whose
// alerts are read by id.
func TestParcelAlertsAreTheOnesListingIt(t *testing.T) {
	backends(t, func(t *testing.T, rdb redis.UniversalClient) {
		ctx := context.Background()
		store := newStore(t, rdb)
		day := window.AlertSubject{Type: event.AlertSplitShipment, Key: "r1"}
		order := window.AlertSubject{Type: event.AlertSplitOrder, Key: "o1"}
		address := window.AlertSubject{Type: event.AlertAddressCluster, Key: "a1"} // never raised
		// decisionRecord's decisions are of recipient r1.
		record := decisionRecord("P-1", "d1", "2026-01-01T00:00:00.000Z")
		record.Subjects = []window.AlertSubject{day, order, address}
		err := store.Record(ctx, []window.ParcelRecord{record}, []window.AlertRecord{
			subjectAlert(1, day, "2024-05-01", "P-1", "P-2"),
			subjectAlert(2, window.AlertSubject{Type: event.AlertSplitShipment, Key: "r2"}, "2024-05-01", "P-3"),
			subjectAlert(3, order, "2024-05-01", "P-1"),
			// The order's alert as another parcel of it published it, on
			// its own entry date: not P-1's to list.
			subjectAlert(4, order, "2024-05-02", "P-1", "P-5"),
			subjectAlert(5, day, "2024-05-02", "P-1"), // another day's of the same key
		})
		if err != nil {
			t.Fatal(err)
		}
		newer := subjectAlert(1, day, "2024-05-01", "P-1", "P-2", "P-4")
		newer.Version = 2
		if err := store.Record(ctx, nil, []window.AlertRecord{newer}); err != nil {
			t.Fatal(err)
		}
		alerts, err := store.ParcelAlerts(ctx, "P-1")
		if err != nil {
			t.Fatal(err)
		}
		// By id: the order of the hashes of the two subjects.
		want := []string{`{"n":1,"parcel_ids":["P-1","P-2","P-4"]}`, `{"n":3,"parcel_ids":["P-1"]}`}
		if event.SubjectAlertID(order.Type, order.Key, "2024-05-01") < event.SubjectAlertID(day.Type, day.Key, "2024-05-01") {
			want[0], want[1] = want[1], want[0]
		}
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
			r := decisionRecord("P-1", fmt.Sprintf("d%03d", i), fmt.Sprintf("2026-01-01T00:%02d:%02d.000Z", i/60, i%60))
			r.Superseding = i > 0
			records = append(records, r)
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
		if string(history[0]) != published(t, records[25]) || string(history[len(history)-1]) != published(t, records[total-1]) {
			t.Errorf("history from %s to %s", history[0], history[len(history)-1])
		}
	})
}

// A decision is kept compact and read back as the JSON published, with
// the gift refusal the published one lacks, escaped as JSON text.
func TestKeptDecisionReadsBackAsPublished(t *testing.T) {
	backends(t, func(t *testing.T, rdb redis.UniversalClient) {
		ctx := context.Background()
		store := newStore(t, rdb)
		threshold := "800"
		d := event.Decision{Schema: event.SchemaDecision, DecisionID: event.DecisionID("E-1", "P-1"), EventID: "E-1",
			ParcelID: "P-1", Carrier: "DHL", Mode: "air", ArrivalTime: "2024-05-01T15:04:05Z", EntryDate: "2024-05-01",
			Decision: "formal_entry_required", Reasons: []string{"DAILY_TOTAL_OVER_THRESHOLD"}, Regime: "us-321-800",
			Threshold: &threshold, ParcelValue: "400.00", RecipientKey: strings.Repeat("ab", 32), RecipientDayTotal: "850.00",
			EntryType: "informal", Source: event.Source{Topic: "manifests", Partition: 3, Offset: 1042},
			DecidedAt: "2026-01-01T00:00:00.000Z", RegimeVersion: "07bc6ec142a8bede", DeclaredValues: map[string]string{"EUR": "370.00"}}
		record := window.ParcelRecord{ParcelID: "P-1", DecisionID: d.DecisionID, EntryDate: d.EntryDate,
			Decision: d.AppendCompact(nil), GiftRefused: `say "purchase"`}
		day := window.AlertSubject{Type: event.AlertSplitShipment, Key: d.RecipientKey}
		address := window.AlertSubject{Type: event.AlertAddressCluster, Key: "ad"}
		record.Subjects = []window.AlertSubject{day, address}
		err := store.Record(ctx, []window.ParcelRecord{record},
			[]window.AlertRecord{subjectAlert(1, day, "2024-05-01", "P-1"), subjectAlert(2, address, "2024-05-01", "P-1")})
		if err != nil {
			t.Fatal(err)
		}
		history, err := store.ParcelHistory(ctx, "P-1")
		if err != nil {
			t.Fatal(err)
		}
		json := d.AppendJSON(nil)
		want := string(json[:len(json)-1]) + `,"gift_refused":"say \"purchase\""}`
		if len(history) != 1 || string(history[0]) != want {
			t.Errorf("history %q, want [%s]", history, want)
		}
		alerts, err := store.ParcelAlerts(ctx, "P-1")
		if err != nil || len(alerts) != 2 || string(alerts[0]) == string(alerts[1]) {
			t.Errorf("alerts %q %v: want the day's and the address's", alerts, err)
		}
	})
}

// A kept value that is not a kept decision (another layout under the same
// key prefix) is an error that names the parcel, not a panic.
func TestKeptDecisionOfAnotherLayoutIsAnError(t *testing.T) {
	ctx := context.Background()
	rdb := testenv.StartRedis(t).Client()
	store := newStore(t, rdb)
	if err := rdb.Set(ctx, "s321:parcel:{P-1}", "2024-05-01 A001\n{\"decision\":\"cleared\"}", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := store.ParcelHistory(ctx, "P-1"); err == nil || !strings.Contains(err.Error(), "P-1") {
		t.Errorf("history of a JSON value: error %v, want one naming P-1", err)
	}
	if _, err := store.ParcelAlerts(ctx, "P-1"); err == nil || !strings.Contains(err.Error(), "P-1") {
		t.Errorf("alerts of a JSON value: error %v, want one naming P-1", err)
	}
}

// An alert keeps its newest version whatever order the versions are
// recorded in, one call each as processors would (a batch keeps only its
// newest itself), and a version written again changes nothing. In Redis
// the day's hash then holds the version kept and its JSON only, for each
// alert: no older version's JSON stays behind.
func TestAlertKeepsItsNewestVersion(t *testing.T) {
	backends(t, func(t *testing.T, rdb redis.UniversalClient) {
		ctx := context.Background()
		store := newStore(t, rdb)
		version := func(id string, v int64) window.AlertRecord {
			return window.AlertRecord{AlertID: id, EntryDate: "2024-05-01", Version: v, Alert: fmt.Appendf(nil, `{"%s":%d}`, id, v)}
		}
		for _, a := range []window.AlertRecord{version("A", 2), version("A", 1), version("B", 1), version("A", 3),
			version("A", 3), version("B", 1), version("A", 2)} {
			if err := store.Record(ctx, nil, []window.AlertRecord{a}); err != nil {
				t.Fatal(err)
			}
		}
		alerts, err := store.Alerts(ctx, "2024-05-01")
		if err != nil || len(alerts) != 2 || string(alerts[0]) != `{"A":3}` || string(alerts[1]) != `{"B":1}` {
			t.Errorf("alerts %q %v, want A at 3 and B at 1", alerts, err)
		}
		if rdb == nil {
			return
		}
		fields, err := rdb.HGetAll(ctx, "s321:alerts:{2024-05-01}").Result()
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{"A": "3", "A@3": `{"A":3}`, "B": "1", "B@1": `{"B":1}`}
		if fmt.Sprint(fields) != fmt.Sprint(want) {
			t.Errorf("the day's hash holds %v, want %v", fields, want)
		}
	})
}
