package decide

import (
	"testing"
	"time"
	_ "time/tzdata" // the tests must not depend on the system's zone database
)

func TestEntryDate(t *testing.T) {
	newYork, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		instant string
		loc     *time.Location
		want    string
	}{
		// Standard time (EST, UTC-5): midnight is 05:00Z.
		{"EST before midnight", "2025-01-15T04:59:59Z", newYork, "2025-01-14"},
		{"EST at midnight", "2025-01-15T05:00:00Z", newYork, "2025-01-15"},
		// 2025-03-09: clocks go forward at 02:00 EST (07:00Z); that day's
		// midnight is still EST (05:00Z), the next day's is EDT (04:00Z).
		{"spring forward day, 03:59:59Z", "2025-03-09T03:59:59Z", newYork, "2025-03-08"},
		{"spring forward day, 04:00:00Z", "2025-03-09T04:00:00Z", newYork, "2025-03-08"},
		{"spring forward day, 04:59:59Z", "2025-03-09T04:59:59Z", newYork, "2025-03-08"},
		{"spring forward day, 05:00:00Z", "2025-03-09T05:00:00Z", newYork, "2025-03-09"},
		{"day after spring forward, 03:59:59Z", "2025-03-10T03:59:59Z", newYork, "2025-03-09"},
		{"day after spring forward, 04:00:00Z", "2025-03-10T04:00:00Z", newYork, "2025-03-10"},
		{"day after spring forward, 04:59:59Z", "2025-03-10T04:59:59Z", newYork, "2025-03-10"},
		// 2025-11-02: clocks go back at 02:00 EDT (06:00Z); that day's
		// midnight is still EDT (04:00Z), the next day's is EST (05:00Z).
		{"fall back day, 03:59:59Z", "2025-11-02T03:59:59Z", newYork, "2025-11-01"},
		{"fall back day, 04:00:00Z", "2025-11-02T04:00:00Z", newYork, "2025-11-02"},
		{"fall back day, 04:59:59Z", "2025-11-02T04:59:59Z", newYork, "2025-11-02"},
		{"fall back day, 05:00:00Z", "2025-11-02T05:00:00Z", newYork, "2025-11-02"},
		{"day after fall back, 04:00:00Z", "2025-11-03T04:00:00Z", newYork, "2025-11-02"},
		{"day after fall back, 04:59:59Z", "2025-11-03T04:59:59Z", newYork, "2025-11-02"},
		{"day after fall back, 05:00:00Z", "2025-11-03T05:00:00Z", newYork, "2025-11-03"},
		// The offset the instant is written with does not matter.
		{"written with an offset", "2025-08-28T23:30:00-07:00", newYork, "2025-08-29"},
		{"UTC", "2025-08-28T23:30:00-07:00", time.UTC, "2025-08-29"},
		{"nil means UTC", "2025-08-29T23:59:59Z", nil, "2025-08-29"},
		{"Tokyo", "2025-08-29T15:00:00Z", tokyo, "2025-08-30"},
		{"leap day", "2024-02-29T12:00:00Z", newYork, "2024-02-29"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			instant, err := time.Parse(time.RFC3339, tc.instant)
			if err != nil {
				t.Fatal(err)
			}
			if got := EntryDate(instant, tc.loc).String(); got != tc.want {
				t.Errorf("EntryDate(%s) = %s, want %s", tc.instant, got, tc.want)
			}
		})
	}
}

func TestDateString(t *testing.T) {
	tests := []struct {
		date Date
		want string
	}{
		{Date{2025, time.March, 9}, "2025-03-09"},
		{Date{2025, time.December, 31}, "2025-12-31"},
		{Date{987, time.January, 1}, "0987-01-01"},
		{Date{10000, time.January, 1}, "10000-01-01"},
		{Date{}, "0000-00-00"},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			if got := tc.date.String(); got != tc.want {
				t.Errorf("String() = %q, want %q", got, tc.want)
			}
		})
	}
}

func BenchmarkEntryDate(b *testing.B) {
	newYork, err := time.LoadLocation("America/New_York")
	if err != nil {
		b.Fatal(err)
	}
	instant := time.Date(2025, 11, 2, 5, 30, 0, 0, time.UTC)
	b.ReportAllocs()
	for b.Loop() {
		_ = EntryDate(instant, newYork).String()
	}
}
