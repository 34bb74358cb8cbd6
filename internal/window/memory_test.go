package window

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// TestSubjectKeyEncodesOnlyWhatItCanTellApart: a subject key is encoded
// as bytes only when it is 64 lowercase hex characters and its date is
// YYYY-MM-DD, so that two different subjects never share a memKey; the
// others go to the map keyed by strings.
func TestSubjectKeyEncodesOnlyWhatItCanTellApart(t *testing.T) {
	hexKey := strings.Repeat("0123456789abcdef", 4)
	tests := []struct {
		name          string
		scope         Scope
		subject, date string
		ok            bool
	}{
		{"a recipient's day", ScopeRecipientDay, hexKey, "2025-08-25", true},
		{"an order, whatever its date", ScopeOrder, hexKey, "", true},
		{"uppercase hex", ScopeRecipientDay, strings.ToUpper(hexKey), "2025-08-25", false},
		{"short", ScopeRecipientDay, hexKey[:62], "2025-08-25", false},
		{"not hex", ScopeAddressDay, hexKey[:63] + "g", "2025-08-25", false},
		{"a test's name", ScopeRecipientDay, "rk1", "2025-08-25", false},
		{"no date", ScopeRecipientDay, hexKey, "", false},
		{"a date of zeros", ScopeRecipientDay, hexKey, "0000-00-00", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			key, ok := subjectKey(tc.scope, tc.subject, tc.date)
			if ok != tc.ok {
				t.Fatalf("ok %v, want %v", ok, tc.ok)
			}
			if ok && tc.scope == ScopeRecipientDay && (key.date != 20250825 || key.subject[0] != 0x01 || key.subject[31] != 0xef) {
				t.Errorf("key %+v", key)
			}
		})
	}
	a, _ := subjectKey(ScopeOrder, hexKey, "2025-08-25")
	b, _ := subjectKey(ScopeOrder, hexKey, "2025-08-26")
	c, _ := subjectKey(ScopeRecipientDay, hexKey, "2025-08-26")
	d, _ := subjectKey(ScopeAddressDay, hexKey, "2025-08-26")
	if a != b || b == c || c == d {
		t.Errorf("an order's key must not depend on its date, and scopes must differ: %v %v %v %v", a == b, b == c, c == d, a)
	}
}

// TestMemoryReusesTheSlotOfAForgottenSubject: a subject forgotten by
// entry date gives its slot to the next new subject, which starts
// afresh, while the subjects kept keep their counts.
func TestMemoryReusesTheSlotOfAForgottenSubject(t *testing.T) {
	store, apply := twoDayStore(t)
	ctx := context.Background()
	apply('a', "A-1", "2024-05-01", 100)
	apply('b', "B-1", "2024-05-04", 200) // three days on: a is forgotten
	if _, err := store.Day(ctx, strings.Repeat("a", 64), "2024-05-01"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a's day: %v, want ErrNotFound", err)
	}
	if got := apply('c', "C-1", "2024-05-04", 300); got.Duplicate || got.Seq != 1 || got.Total().String() != "3" {
		t.Errorf("c in a's slot: %+v, want a first parcel of 3", got)
	}
	if got := apply('b', "B-1", "2024-05-04", 200); !got.Duplicate || got.Total().String() != "2" {
		t.Errorf("b again: %+v, want the duplicate of 2", got)
	}
	if got := apply('c', "C-2", "2024-05-04", 50); got.Seq != 2 || got.Total().String() != "3.5" {
		t.Errorf("c's second parcel: %+v, want seq 2 and 3.5", got)
	}
}

// TestDayNumberReadsDatesAsTimeParse: dayNumber gives what
// time.Parse(time.DateOnly, ...) gives, and refuses what it refuses.
func TestDayNumberReadsDatesAsTimeParse(t *testing.T) {
	check := func(date string) {
		t.Helper()
		want, err := time.Parse(time.DateOnly, date)
		got, ok := dayNumber(date)
		if ok != (err == nil) || ok && got != want.Unix()/86400 {
			t.Errorf("%q: %d %v, want %d (%v)", date, got, ok, want.Unix()/86400, err)
		}
	}
	for day := time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC); day.Year() < 2401; day = day.AddDate(0, 0, 1) {
		if day.Year() > 5 && day.Year() < 1580 && day.Day() != 1 {
			continue // the first of each month will do there
		}
		check(day.Format(time.DateOnly))
	}
	for _, date := range []string{"", "2025-02-29", "2024-02-30", "1900-02-29", "2000-02-29", "2025-04-31", "2025-13-01",
		"2025-00-10", "2025-01-00", "0000-00-00", "2025-1-01", "2025-01-1", "25-01-01", "2025/01/01", "2025-01-01T",
		"+025-01-01", "-025-01-01", "2025-0a-01", "9999-12-31", "１２３４-01-01"} {
		check(date)
	}
}

// TestMemoryKeepsALateSubjectWhileItIsWritten: a subject forgets by the
// store's clock, the newest entry date seen, counted from its last write,
// as Redis forgets a key the TTL after its last write. The bug: it
// counted from the subject's own entry date, so the day of parcels that
// arrive late (an unsorted file, a carrier's backlog) was forgotten as
// soon as the clock moved on, between two of its parcels, and counted
// again from zero.
func TestMemoryKeepsALateSubjectWhileItIsWritten(t *testing.T) {
	store, apply := twoDayStore(t)
	apply('b', "B-1", "2024-05-10", 100) // the clock: 10 May
	apply('a', "A-1", "2024-05-01", 100) // nine days late
	apply('c', "C-1", "2024-05-11", 100) // the clock moves on a day
	if got := apply('a', "A-2", "2024-05-01", 250); got.Seq != 2 || got.Total().String() != "3.5" {
		t.Errorf("the late day's second parcel: seq %d, total %s; want 2 and 3.5", got.Seq, got.Total())
	}
	apply('d', "D-1", "2024-05-14", 100) // three days after its last write
	if _, err := store.Day(context.Background(), strings.Repeat("a", 64), "2024-05-01"); !errors.Is(err, ErrNotFound) {
		t.Errorf("the late day, the TTL after its last write: %v, want ErrNotFound", err)
	}
}

// twoDayStore returns a memory store that keeps two days, and apply,
// which counts one parcel of cents toward the recipient's day whose key
// is subject 64 times, on date.
func twoDayStore(t *testing.T) (*Store, func(subject byte, parcel, date string, cents int64) Result) {
	t.Helper()
	cfg := DefaultConfig()
	cfg.TTL = 48 * time.Hour
	store, err := NewMemory(cfg)
	if err != nil {
		t.Fatal(err)
	}
	apply := func(subject byte, parcel, date string, cents int64) Result {
		t.Helper()
		op := Op{Subject: strings.Repeat(string(subject), 64), EntryDate: date, ParcelID: parcel, Carrier: "DHL", ValueCents: cents}
		got, err := store.Apply(context.Background(), []Op{op})
		if err != nil {
			t.Fatal(err)
		}
		return got[0]
	}
	return store, apply
}
