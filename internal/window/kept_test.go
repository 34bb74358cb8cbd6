package window

import (
	"bytes"
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/s321/s321/internal/event"
)

func keptSample() (ParcelRecord, []AlertSubject) {
	threshold := "800"
	d := event.Decision{Schema: event.SchemaDecision, DecisionID: "0123456789abcdef0123456789abcdef", EventID: "P-1",
		ParcelID: "P-1", Carrier: "DHL", Mode: "air", ArrivalTime: "2024-05-01T15:04:05Z", EntryDate: "2024-05-01",
		Decision: "cleared", Reasons: []string{}, Regime: "us-321-800", Threshold: &threshold, ParcelValue: "12.00",
		RecipientKey: "ab", RecipientDayTotal: "12.00", EntryType: "de_minimis", DecidedAt: "2026-01-01T00:00:00.000Z"}
	subjects := []AlertSubject{{event.AlertSplitShipment, "ab"}, {event.AlertSplitOrder, "0f1e2d3c4b5a6978"},
		{event.AlertAddressCluster, "Not hex: any key"}}
	return ParcelRecord{ParcelID: "P-1", DecisionID: d.DecisionID, EntryDate: d.EntryDate, Decision: d.AppendCompact(nil),
		GiftRefused: "purchase"}, subjects
}

// What appendKept writes, parseKept reads back: the decision, the gift
// refusal, the subjects; and they name their alerts on the decision's
// entry date as the alerts name themselves.
func TestKeptValueReadsBack(t *testing.T) {
	p, subjects := keptSample()
	k, err := parseKept(appendKept(nil, &p, subjects))
	if err != nil {
		t.Fatal(err)
	}
	var d event.Decision
	if _, err := d.ParseCompact(p.Decision); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(k.decision, d) || k.giftRefused != "purchase" {
		t.Errorf("read back %+v, want %+v, purchase", k, d)
	}
	basis := event.AlertBasis{RecipientKey: "ab", EntryDate: "2024-05-01"}
	want := []AlertRef{
		{"2024-05-01", event.NewSplitShipment(basis, event.AlertCount{}).AlertID},
		{"2024-05-01", event.NewSplitOrder(basis, "0f1e2d3c4b5a6978", event.AlertCount{}).AlertID},
		{"2024-05-01", event.NewAddressCluster(basis, "Not hex: any key", 3, event.AlertCount{}).AlertID},
	}
	if got := k.alerts(); !reflect.DeepEqual(got, want) {
		t.Errorf("alerts %v, want %v", got, want)
	}
	// The alert of the recipient's day is named by the decision's
	// recipient_key and entry_date: neither is kept twice.
	if with, without := appendKept(nil, &p, subjects[:1]), appendKept(nil, &p, nil); len(with) != len(without)+1 {
		t.Errorf("the recipient's day took %d bytes, want 1", len(with)-len(without))
	}
}

// FuzzParseKept reads any value a key of another layout, or a damaged
// one, may hold without panicking.
func FuzzParseKept(f *testing.F) {
	p, subjects := keptSample()
	f.Add(appendKept(nil, &p, subjects))
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
		written := appendKeptDecision(nil, &again, len(k.names))
		for _, n := range k.names {
			written = appendAlertName(written, n)
		}
		k2, err := parseKept(written)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(k2.json(), json) || !reflect.DeepEqual(k2.alerts(), k.alerts()) {
			t.Fatalf("written back: %s %v, want %s %v", k2.json(), k2.alerts(), json, k.alerts())
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
