package event_test

import (
	"testing"

	"github.com/s321/s321/internal/event"
)

func TestAlertsNameTheirSubject(t *testing.T) {
	threshold := "800"
	basis := event.AlertBasis{RecipientKey: "rk", EntryDate: "2024-05-01", Regime: "us-321-800", Threshold: &threshold,
		TriggerParcelID: "P3", RaisedAt: "2024-05-01T18:00:00.000Z"}
	count := event.AlertCount{Total: "900.00", ParcelIDs: []string{"P1", "P3"}, Carriers: []string{"UPS"}, Parcels: 2, Version: 1}
	tests := []struct {
		name             string
		alert            event.Alert
		id, key, subject string
		reason           string
	}{
		{"split_shipment", event.NewSplitShipment(basis, count),
			event.AlertID(event.AlertSplitShipment, "rk", "2024-05-01"), "rk:2024-05-01", "rk",
			"2 parcels to one recipient with entry date 2024-05-01 add up to $900.00, above the $800 de minimis limit, " +
				"though at least one was within it alone: a possible split shipment (19 CFR 10.151)."},
		{"split_order spans days", event.NewSplitOrder(basis, "ok", count),
			event.AlertID(event.AlertSplitOrder, "ok", ""), "order:ok", "ok",
			"2 parcels of one order, shipped separately, add up to $900.00, above the $800 de minimis limit, " +
				"though at least one was within it alone: several lots covered by a single order (19 CFR 10.151)."},
		{"address_cluster", event.NewAddressCluster(basis, "ak", 3, count),
			event.AlertID(event.AlertAddressCluster, "ak", "2024-05-01"), "address:ak:2024-05-01", "ak",
			"2 parcels to at least 3 different names at one address with entry date 2024-05-01 add up to $900.00, " +
				"above the $800 de minimis limit: a possible split among recipients at one address."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := tc.alert
			if a.AlertID != tc.id || a.SubjectKey != tc.subject || a.Schema != event.SchemaAlert {
				t.Errorf("id %s subject %s schema %s, want %s %s %s", a.AlertID, a.SubjectKey, a.Schema, tc.id, tc.subject, event.SchemaAlert)
			}
			if key := string(a.AppendKey([]byte("x"))); key != "x"+tc.key {
				t.Errorf("key %q, want %q", key, "x"+tc.key)
			}
			if a.Reason != tc.reason {
				t.Errorf("reason\n%s\nwant\n%s", a.Reason, tc.reason)
			}
			if a.DayTotal != "900.00" || a.ParcelCount != 2 || a.Version != 1 || a.TriggerParcelID != "P3" || a.RecipientKey != "rk" {
				t.Errorf("counts not carried over: %+v", a)
			}
		})
	}
}

func TestAlertWithoutAThresholdSaysSo(t *testing.T) {
	a := event.NewSplitShipment(event.AlertBasis{EntryDate: "2024-05-01"}, event.AlertCount{Total: "5", Parcels: 2})
	const want = "2 parcels to one recipient with entry date 2024-05-01 add up to $5, above the threshold, " +
		"though at least one was within it alone: a possible split shipment (19 CFR 10.151)."
	if a.Reason != want || a.Threshold != nil {
		t.Errorf("reason %q threshold %v, want %q and null", a.Reason, a.Threshold, want)
	}
}
