package window

import (
	"bytes"
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/s321/s321/internal/event"
)

func keptSample() (ParcelRecord, []AlertRef) {
	threshold := "800"
	d := event.Decision{Schema: event.SchemaDecision, DecisionID: "0123456789abcdef0123456789abcdef", EventID: "P-1",
		ParcelID: "P-1", Carrier: "DHL", Mode: "air", ArrivalTime: "2024-05-01T15:04:05Z", EntryDate: "2024-05-01",
		Decision: "cleared", Reasons: []string{}, Regime: "us-321-800", Threshold: &threshold, ParcelValue: "12.00",
		RecipientKey: "ab", RecipientDayTotal: "12.00", EntryType: "de_minimis", DecidedAt: "2026-01-01T00:00:00.000Z"}
	refs := []AlertRef{{EntryDate: "2024-05-01", AlertID: "a1"}, {EntryDate: "2024-04-30", AlertID: "a2"}}
	return ParcelRecord{ParcelID: "P-1", DecisionID: d.DecisionID, EntryDate: d.EntryDate, Decision: d.AppendCompact(nil),
		GiftRefused: "purchase"}, refs
}

// What appendKept writes, parseKept reads back: the decision, the gift
// refusal, the alert names with their dates.
func TestKeptValueReadsBack(t *testing.T) {
	p, refs := keptSample()
	k, err := parseKept(appendKept(nil, &p, refs))
	if err != nil {
		t.Fatal(err)
	}
	var d event.Decision
	if _, err := d.ParseCompact(p.Decision); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(k.decision, d) || k.giftRefused != "purchase" || !reflect.DeepEqual(k.alerts, refs) {
		t.Errorf("read back %+v, want %+v, purchase, %v", k, d, refs)
	}
}

// FuzzParseKept reads any value a key of another layout, or a damaged
// one, may hold without panicking.
func FuzzParseKept(f *testing.F) {
	p, refs := keptSample()
	f.Add(appendKept(nil, &p, refs))
	f.Add(appendKept(nil, &p, nil))
	f.Add([]byte("2024-05-01 A001\n{\"decision\":\"cleared\"}"))
	f.Fuzz(func(t *testing.T, value []byte) {
		k, err := parseKept(value)
		if err != nil {
			return
		}
		// What reads as a kept decision writes JSON, and reads again the
		// same once written back.
		json := k.json()
		if len(json) == 0 || json[0] != '{' {
			t.Fatalf("JSON %q", json)
		}
		again := ParcelRecord{EntryDate: k.decision.EntryDate, Decision: k.decision.AppendCompact(nil), GiftRefused: k.giftRefused}
		k2, err := parseKept(appendKept(nil, &again, k.alerts))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(k2.json(), json) || !reflect.DeepEqual(k2.alerts, k.alerts) {
			t.Fatalf("written back: %s %v, want %s %v", k2.json(), k2.alerts, json, k.alerts)
		}
	})
}

// TestNewestAlerts: of the versions one batch raises, only each alert's
// newest is kept, in the order the alerts first appear; an alert id of
// two entry dates is two alerts.
func TestNewestAlerts(t *testing.T) {
	a := func(date, id string, version int64) AlertRecord {
		return AlertRecord{AlertID: id, EntryDate: date, Version: version, Alert: []byte(fmt.Sprintf("%s/%s v%d", date, id, version))}
	}
	tests := []struct {
		name       string
		alerts     []AlertRecord
		want       []AlertRecord
		sameBacked bool // the input itself comes back
	}{
		{"none", nil, nil, true},
		{"each once", []AlertRecord{a("d1", "x", 3), a("d1", "y", 1), a("d2", "x", 1)},
			[]AlertRecord{a("d1", "x", 3), a("d1", "y", 1), a("d2", "x", 1)}, true},
		{"versions of one batch", []AlertRecord{a("d1", "x", 1), a("d1", "y", 5), a("d1", "x", 2), a("d1", "x", 3), a("d1", "y", 6)},
			[]AlertRecord{a("d1", "x", 3), a("d1", "y", 6)}, false},
		{"an older version after a newer", []AlertRecord{a("d1", "y", 1), a("d1", "x", 4), a("d1", "x", 2), a("d2", "x", 1)},
			[]AlertRecord{a("d1", "y", 1), a("d1", "x", 4), a("d2", "x", 1)}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := slices.Clone(tc.alerts)
			got := newestAlerts(in)
			if !slices.EqualFunc(got, tc.want, func(x, y AlertRecord) bool {
				return x.AlertID == y.AlertID && x.EntryDate == y.EntryDate && x.Version == y.Version && string(x.Alert) == string(y.Alert)
			}) {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
			if same := len(got) > 0 && &got[0] == &in[0]; same != (tc.sameBacked && len(in) > 0) {
				t.Errorf("returned the input itself: %v", same)
			}
			if !slices.EqualFunc(in, tc.alerts, func(x, y AlertRecord) bool { return x.Version == y.Version && x.AlertID == y.AlertID }) {
				t.Errorf("input changed: %+v", in)
			}
		})
	}
}
