package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/s321/s321/internal/event"
)

func TestDecode(t *testing.T) {
	tests := []struct {
		file        string
		wantErr     string // "" for none
		wantID      string
		wantVersion int64
	}{
		{file: "alert.json", wantID: "9a1e0c5b2f7d4e3a8b6c1d0e9f8a7b6c", wantVersion: 1},
		{file: "unknown_field.json", wantID: "0f1e2d3c4b5a69788796a5b4c3d2e1f0", wantVersion: 4},
		{file: "wrong_schema.json", wantErr: `schema "decision.v1", want "alert.v1"`},
		{file: "missing_id.json", wantErr: "alert_id is missing"},
		{file: "version_zero.json", wantErr: "version 0, want 1 or more"},
		{file: "bad_day_total.json", wantErr: `day_total "$1000"`},
		{file: "truncated.json", wantErr: "decode alert: unexpected end of JSON input"},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			a, err := Decode(data)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("got error %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if a.AlertID != tc.wantID || a.Version != tc.wantVersion {
				t.Errorf("got %s v%d, want %s v%d", a.AlertID, a.Version, tc.wantID, tc.wantVersion)
			}
		})
	}
}

// alert builds version of the alert about recipientKey on date: each
// version adds a parcel.
func alert(recipientKey, date string, version int64) event.Alert {
	parcels := make([]string, 0, version+1)
	for i := range version + 1 {
		parcels = append(parcels, fmt.Sprintf("%s-%d", date, i+1))
	}
	return event.Alert{
		Schema: event.SchemaAlert, Type: event.AlertSplitShipment,
		AlertID:      event.AlertID(event.AlertSplitShipment, recipientKey, date),
		RecipientKey: recipientKey, EntryDate: date, Version: version,
		ParcelIDs: parcels, Carriers: []string{"DHL", "UPS"},
		DayTotal: fmt.Sprintf("%d.50", 500*(version+1)),
		Reason:   fmt.Sprintf("%d parcels add up to more than $800.", version+1),
	}
}

func TestBoardUpdate(t *testing.T) {
	type step struct {
		a           event.Alert
		wantUpdated bool
	}
	tests := []struct {
		name  string
		steps []step
		want  []string // alert_id prefix and version of Current, in order
	}{
		{
			name: "versions in order",
			steps: []step{
				{alert("k1", "2025-03-01", 1), true},
				{alert("k1", "2025-03-01", 2), true},
				{alert("k1", "2025-03-01", 3), true},
			},
			want: []string{"k1 2025-03-01 v3 2000.50"},
		},
		{
			name: "an older version arriving later is ignored",
			steps: []step{
				{alert("k1", "2025-03-01", 1), true},
				{alert("k1", "2025-03-01", 3), true},
				{alert("k1", "2025-03-01", 2), false},
				{alert("k1", "2025-03-01", 1), false},
			},
			want: []string{"k1 2025-03-01 v3 2000.50"},
		},
		{
			name: "an equal version arriving again is ignored",
			steps: []step{
				{alert("k1", "2025-03-01", 2), true},
				{alert("k1", "2025-03-01", 2), false},
			},
			want: []string{"k1 2025-03-01 v2 1500.50"},
		},
		{
			name: "alerts are kept apart and sorted by date, then recipient",
			steps: []step{
				{alert("k2", "2025-03-02", 1), true},
				{alert("k1", "2025-03-02", 2), true},
				{alert("k9", "2025-03-01", 5), true},
				{alert("k2", "2025-03-02", 1), false},
				{alert("k2", "2025-03-01", 1), true},
			},
			want: []string{"k2 2025-03-01 v1 1000.50", "k9 2025-03-01 v5 3000.50", "k1 2025-03-02 v2 1500.50", "k2 2025-03-02 v1 1000.50"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			board := NewBoard()
			for i, s := range tc.steps {
				if got := board.Update(s.a); got != s.wantUpdated {
					t.Errorf("step %d: Update(%s %s v%d) = %v, want %v", i, s.a.RecipientKey, s.a.EntryDate, s.a.Version, got, s.wantUpdated)
				}
			}
			var got []string
			for _, a := range board.Current() {
				got = append(got, fmt.Sprintf("%s %s v%d %s", a.RecipientKey, a.EntryDate, a.Version, a.DayTotal))
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("current:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

func TestWriteAlerts(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "alert.json"))
	if err != nil {
		t.Fatal(err)
	}
	first, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	board := NewBoard()
	board.Update(first)
	board.Update(alert("0123456789abcdef0123", "2025-03-02", 2))
	var out bytes.Buffer
	if err := WriteAlerts(&out, board.Current()); err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join("testdata", "alerts.golden"))
	if err != nil {
		t.Fatal(err)
	}
	if out.String() != string(want) {
		t.Errorf("got:\n%s\nwant:\n%s", out.String(), want)
	}
}
