package process_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// End-to-end cases of the rules of the 2026 law: a manifest.v1 in, the
// published decision.v1 (or rejection) out, through the day-total script.

func TestMailEntryType(t *testing.T) {
	const suspended = "2026-03-02T15:00:00Z"
	tests := []struct {
		name, mode, value, entryType string
	}{
		{"postal within the informal limit: mail", "postal", "40.00", "mail"},
		{"postal at the informal limit: mail", "postal", "2500.00", "mail"},
		{"postal above the informal limit: formal", "postal", "2500.01", "formal"},
		{"air within the informal limit: informal", "air", "40.00", "informal"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, options{})
			got := f.run(t, parcel("M1", suspended, tc.value, fmt.Sprintf(`"mode":%q,`, tc.mode), ""))[0]
			if got.EntryType != tc.entryType || got.Decision.Decision != "formal_entry_required" {
				t.Errorf("got %s %s, want formal_entry_required %s", got.Decision.Decision, got.EntryType, tc.entryType)
			}
		})
	}
}

func TestInformalLimitBefore2013(t *testing.T) {
	f := newFixture(t, options{})
	got := f.run(t,
		parcel("I1", "2012-11-01T15:00:00Z", "2100.00", "", ""),
		parcel("I2", "2013-02-01T15:00:00Z", "2100.00", "", ""))
	if got[0].EntryType != "formal" || got[1].EntryType != "informal" {
		t.Errorf("entry types %s, %s; want formal before 7 January 2013 and informal after", got[0].EntryType, got[1].EntryType)
	}
}

func TestGiftPurchasesAndInsularAllowance(t *testing.T) {
	const suspended = "2026-03-02T15:00:00Z"
	gift := `"gift":true,`
	tests := []struct {
		name      string
		messages  []string
		exemption string // of the last message; "" for null
		decision  string
	}{
		{"a gift naming a seller is a purchase", []string{parcel("G1", suspended, "20.00", gift+`"seller":"Shop Ltd",`, "")}, "", "formal_entry_required"},
		{"a gift naming a marketplace is a purchase", []string{parcel("G1", suspended, "20.00", gift+`"marketplace":"Bazaar",`, "")}, "", "formal_entry_required"},
		{"a gift naming an order is a purchase", []string{parcel("G1", suspended, "20.00", gift+`"order_id":"A-1",`, "")}, "", "formal_entry_required"},
		{"a blank seller names no one", []string{parcel("G1", suspended, "20.00", gift+`"seller":"  ",`, "")}, "gift", "cleared"},
		{"a $150 gift from the Virgin Islands clears", []string{parcel("G1", suspended, "150.00", gift+`"shipper":{"name":"Kim","country":"VI"},`, "")}, "gift", "cleared"},
		{"a $200 gift from Guam clears", []string{parcel("G1", suspended, "200.00", gift+`"shipper":{"country":"GU"},`, "")}, "gift", "cleared"},
		{"a $200.01 gift from American Samoa does not", []string{parcel("G1", suspended, "200.01", gift+`"shipper":{"country":"AS"},`, "")}, "", "formal_entry_required"},
		{"a $150 gift from Canada does not", []string{parcel("G1", suspended, "150.00", gift+`"shipper":{"country":"CA"},`, "")}, "", "formal_entry_required"},
		{"two insular gifts add up to the $200 allowance", []string{
			parcel("G1", suspended, "120.00", gift+`"shipper":{"country":"VI"},`, ""),
			parcel("G2", suspended, "80.00", gift+`"shipper":{"country":"VI"},`, ""),
		}, "gift", "cleared"},
		// A purchase that claims to be a gift must not use up the allowance
		// of the recipient's real gifts that day.
		{"a false gift does not count toward the real ones", []string{
			parcel("G1", suspended, "90.00", gift+`"order_id":"A-1",`, ""),
			parcel("G2", suspended, "90.00", gift, ""),
		}, "gift", "cleared"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, options{})
			got := f.run(t, tc.messages...)
			last := got[len(got)-1]
			exemption := last.exemption()
			if last.Decision.Decision != tc.decision || exemption != tc.exemption {
				t.Errorf("got %s exemption %q, want %s %q", last.Decision.Decision, exemption, tc.decision, tc.exemption)
			}
		})
	}
}

func TestEntryDateAtThePort(t *testing.T) {
	// 05:30Z on 2 March 2026 is the 2nd in New York and the 1st in Los
	// Angeles, Chicago, Phoenix and Honolulu.
	const instant = "2026-03-02T05:30:00Z"
	tests := []struct {
		name, port, date string
	}{
		{"no port: --entry-day-tz", "", "2026-03-02"},
		{"JFK", `"port_of_entry":"4701",`, "2026-03-02"},
		{"Chicago", `"port_of_entry":"3901",`, "2026-03-01"},
		{"LAX", `"port_of_entry":"2720",`, "2026-03-01"},
		{"Nogales, Arizona", `"port_of_entry":"2604",`, "2026-03-01"},
		{"Honolulu", `"port_of_entry":"3201",`, "2026-03-01"},
		{"a port the table does not know: --entry-day-tz", `"port_of_entry":"9999",`, "2026-03-02"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, options{})
			got := f.run(t, parcel("D1", instant, "10.00", tc.port, ""))[0]
			if got.EntryDate != tc.date {
				t.Errorf("entry_date %s, want %s", got.EntryDate, tc.date)
			}
		})
	}
	// Two parcels at the same instant, one through Chicago and one without a
	// port, fall on different days and so in different day totals.
	f := newFixture(t, options{})
	got := f.run(t,
		parcel("D1", instant, "500.00", `"port_of_entry":"3901",`, ""),
		parcel("D2", instant, "500.00", "", ""))
	if got[0].RecipientDayTotal != "500.00" || got[1].RecipientDayTotal != "500.00" {
		t.Errorf("day totals %s, %s; want each parcel alone on its day", got[0].RecipientDayTotal, got[1].RecipientDayTotal)
	}
}

func TestExportDateChoosesTheRate(t *testing.T) {
	const item = `{"description":"a","origin_country":"DE","value":"100.00","currency":"EUR"}`
	tests := []struct {
		name, extra, value, reject string
	}{
		{"no export_date: the entry date's rate", "", "107.12", ""},
		{"export_date before the rate change", `"export_date":"2024-05-31",`, "109.31", ""},
		{"export_date on the rate change", `"export_date":"2024-06-01",`, "107.12", ""},
		{"export_date before any rate", `"export_date":"2023-12-30",`, "",
			"items[0].currency: no EUR exchange rate in force on 2023-12-30, the export_date"},
		{"export_date not a date", `"export_date":"2024-06-31",`, "",
			"export_date: must be a calendar date YYYY-MM-DD, like 2025-08-27"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, options{rates: rates})
			msg := fmt.Sprintf(`{"parcel_id":"FX-1","carrier":"DHL","arrival_time":"2024-06-03T12:00:00Z",%s"recipient":{"name":"A B","address_line1":"1 C St","city":"D","state":"NY","postal_code":"10001"},"items":[%s]}`, tc.extra, item)
			got := f.run(t, msg)[0]
			if tc.reject != "" {
				if got.Topic != "manifests.dlq" || got.Rejected.Error != tc.reject {
					t.Errorf("got %s %q, want the DLQ with %q", got.Topic, got.Rejected.Error, tc.reject)
				}
				return
			}
			if got.ParcelValue != tc.value || got.EntryDate != "2024-06-03" {
				t.Errorf("parcel_value %s entry_date %s, want %s on 2024-06-03", got.ParcelValue, got.EntryDate, tc.value)
			}
		})
	}
}

func TestGoodsThatNeverQualify(t *testing.T) {
	const before = "2024-05-01T14:00:00Z"
	tests := []struct {
		name, itemExtra, reasons string
	}{
		{"denatured alcohol", `,"hts_code":"2207.20.0000"`, "RESTRICTED_GOODS"},
		{"cigarette papers", `,"hts_code":"4813.10.0000"`, "RESTRICTED_GOODS"},
		{"a fishing reel", `,"hts_code":"9507.30.8000"`, "RESTRICTED_GOODS"},
		{"hazmat is no Section 321 rule", `,"category":"hazmat"`, ""},
		{"a t-shirt", `,"hts_code":"6109.10.0012"`, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, options{})
			got := f.run(t, parcel("R1", before, "20.00", "", tc.itemExtra))[0]
			if strings.Join(got.Reasons, ",") != tc.reasons {
				t.Errorf("reasons %v, want %q", got.Reasons, tc.reasons)
			}
		})
	}
}

// TestKeptDecisionSaysWhyAGiftWasRefused: the decision kept for explain
// names why a gift claim was not honoured; the published one is the
// contract's, without it.
func TestKeptDecisionSaysWhyAGiftWasRefused(t *testing.T) {
	f := newFixture(t, options{})
	got := f.run(t, parcel("GP1", "2026-03-02T15:00:00Z", "20.00", `"gift":true,"seller":"Shop Ltd",`, ""))[0]
	if got.Exemption != nil {
		t.Fatalf("exemption %q, want none", *got.Exemption)
	}
	history, err := f.store.ParcelHistory(context.Background(), "GP1")
	if err != nil || len(history) != 1 {
		t.Fatalf("history %q %v", history, err)
	}
	if !strings.Contains(string(history[0]), `"gift_refused":"purchase"`) {
		t.Errorf("kept decision %s does not say the claim was refused as a purchase", history[0])
	}
}
