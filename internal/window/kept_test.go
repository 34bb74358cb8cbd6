package window

import (
	"bytes"
	"reflect"
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
