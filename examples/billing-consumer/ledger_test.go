package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/s321/s321/internal/event"
)

func TestDecode(t *testing.T) {
	tests := []struct {
		file      string
		wantErr   string // "" for none
		wantID    string
		wantValue string
	}{
		{file: "decision.json", wantID: "c9d79378d2b44479680860c660fdf2d7", wantValue: "120"},
		{file: "unknown_field.json", wantID: "0f1e2d3c4b5a69788796a5b4c3d2e1f0", wantValue: "19.99"},
		{file: "wrong_schema.json", wantErr: `schema "alert.v1", want "decision.v1"`},
		{file: "missing_id.json", wantErr: "decision_id is missing"},
		{file: "missing_entry_type.json", wantErr: "entry_type is missing"},
		{file: "bad_value.json", wantErr: `parcel_value "19,99"`},
		{file: "truncated.json", wantErr: "decode decision: unexpected end of JSON input"},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			d, err := Decode(data)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("got error %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d.DecisionID != tc.wantID || !d.Value.Equal(decimal.RequireFromString(tc.wantValue)) {
				t.Errorf("got id %s value %s, want %s %s", d.DecisionID, d.Value, tc.wantID, tc.wantValue)
			}
		})
	}
}

func decision(id, entryType, carrier, value string) Decision {
	return Decision{
		Decision: event.Decision{Schema: event.SchemaDecision, DecisionID: id, EntryType: entryType, Carrier: carrier, ParcelValue: value},
		Value:    decimal.RequireFromString(value),
	}
}

func TestLedger(t *testing.T) {
	type step struct {
		d         Decision
		wantAdded bool
	}
	tests := []struct {
		name        string
		remember    int
		steps       []step
		wantTotals  []string // entry type, carrier, parcels, value
		wantDropped int64
	}{
		{
			name:     "a redelivery is dropped",
			remember: 100,
			steps: []step{
				{decision("a", "de_minimis", "DHL", "450.00"), true},
				{decision("b", "de_minimis", "DHL", "0.10"), true},
				{decision("c", "informal", "UPS", "900.01"), true},
				{decision("a", "de_minimis", "DHL", "450.00"), false},
				{decision("c", "informal", "UPS", "900.01"), false},
			},
			wantTotals:  []string{"de_minimis DHL 2 450.10", "informal UPS 1 900.01"},
			wantDropped: 2,
		},
		{
			name:     "sums are exact",
			remember: 100,
			steps: []step{
				{decision("1", "de_minimis", "USPS", "0.10"), true},
				{decision("2", "de_minimis", "USPS", "0.20"), true},
				{decision("3", "de_minimis", "USPS", "0.70"), true},
				{decision("4", "formal", "FedEx", "999999999.99"), true},
				{decision("5", "formal", "FedEx", "999999999.99"), true},
				{decision("6", "formal", "FedEx", "999999999.99"), true},
				{decision("7", "formal", "FedEx", "0.01"), true},
			},
			wantTotals: []string{"de_minimis USPS 3 1.00", "formal FedEx 4 2999999999.98"},
		},
		{
			name:     "sorted by entry type then carrier",
			remember: 100,
			steps: []step{
				{decision("1", "informal", "UPS", "1"), true},
				{decision("2", "de_minimis", "UPS", "2"), true},
				{decision("3", "de_minimis", "DHL", "3"), true},
				{decision("4", "formal", "DHL", "4"), true},
			},
			wantTotals: []string{"de_minimis DHL 1 3.00", "de_minimis UPS 1 2.00", "formal DHL 1 4.00", "informal UPS 1 1.00"},
		},
		{
			// With room for two ids, a seen id is remembered as recent
			// again, so the least recently seen one is forgotten first, not
			// the first one added.
			name:     "the least recently seen id is forgotten",
			remember: 2,
			steps: []step{
				{decision("a", "de_minimis", "DHL", "1"), true},
				{decision("b", "de_minimis", "DHL", "1"), true},
				{decision("a", "de_minimis", "DHL", "1"), false}, // a is recent again
				{decision("c", "de_minimis", "DHL", "1"), true},  // forgets b
				{decision("a", "de_minimis", "DHL", "1"), false},
				{decision("b", "de_minimis", "DHL", "1"), true}, // forgotten, so counted again
			},
			wantTotals:  []string{"de_minimis DHL 4 4.00"},
			wantDropped: 2,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ledger := NewLedger(tc.remember)
			for i, s := range tc.steps {
				if got := ledger.Add(s.d); got != s.wantAdded {
					t.Errorf("step %d: Add(%s) = %v, want %v", i, s.d.DecisionID, got, s.wantAdded)
				}
			}
			var got []string
			for _, total := range ledger.Totals() {
				got = append(got, strings.Join([]string{total.EntryType, total.Carrier, strconv.FormatInt(total.Parcels, 10), total.Value.String()}, " "))
			}
			// Compare the values as decimals, so 450.1 is 450.10 but
			// 1.0000000000000002 is not 1.00.
			match := len(got) == len(tc.wantTotals)
			for i := 0; match && i < len(got); i++ {
				g, w := strings.Fields(got[i]), strings.Fields(tc.wantTotals[i])
				last := len(w) - 1
				match = strings.Join(g[:len(g)-1], " ") == strings.Join(w[:last], " ") &&
					decimal.RequireFromString(g[len(g)-1]).Equal(decimal.RequireFromString(w[last]))
			}
			if !match {
				t.Errorf("totals:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.wantTotals, "\n"))
			}
			if d := ledger.Dropped(); d != tc.wantDropped {
				t.Errorf("dropped %d, want %d", d, tc.wantDropped)
			}
		})
	}
}

func TestWriteTable(t *testing.T) {
	ledger := NewLedger(10)
	for _, d := range []Decision{
		decision("1", "de_minimis", "DHL", "450.00"),
		decision("2", "de_minimis", "Amazon Logistics", "19.9"),
		decision("3", "formal", "FedEx", "3000"),
		decision("1", "de_minimis", "DHL", "450.00"),
	} {
		ledger.Add(d)
	}
	var out bytes.Buffer
	if err := WriteTable(&out, ledger.Totals(), ledger.Dropped()); err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join("testdata", "table.golden"))
	if err != nil {
		t.Fatal(err)
	}
	if out.String() != string(want) {
		t.Errorf("got:\n%s\nwant:\n%s", out.String(), want)
	}
}

// BenchmarkLedgerAdd adds distinct decisions to a full ledger, so every
// Add also forgets the oldest id.
func BenchmarkLedgerAdd(b *testing.B) {
	const remember = 100_000
	ids := make([]string, 2*remember)
	for i := range ids {
		ids[i] = event.DecisionID("E", strconv.Itoa(i))
	}
	ledger := NewLedger(remember)
	d := decision("", "de_minimis", "DHL", "123.45")
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		d.DecisionID = ids[i%len(ids)]
		ledger.Add(d)
		i++
	}
}
