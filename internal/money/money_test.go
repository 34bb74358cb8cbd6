package money_test

import (
	"testing"

	"github.com/shopspring/decimal"

	"github.com/s321/s321/internal/money"
)

func TestFormatKeepsWrittenPlaces(t *testing.T) {
	tests := []struct{ in, want string }{
		{"450.00", "450.00"},
		{"800", "800"},
		{"0.5", "0.5"},
		{"0.10", "0.10"},
		{"1000000000.01", "1000000000.01"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			if got := money.Format(decimal.RequireFromString(tc.in)); got != tc.want {
				t.Errorf("Format(%s) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestCentsRoundTrip(t *testing.T) {
	tests := []struct {
		in     string
		cents  int64
		places int32
		fails  bool
	}{
		{"450.00", 45000, 2, false},
		{"800", 80000, 0, false},
		{"12.5", 1250, 1, false},
		{"0.01", 1, 2, false},
		{"0.001", 0, 0, true},
		{"100000000000000000000", 0, 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			d := decimal.RequireFromString(tc.in)
			cents, err := money.Cents(d)
			if (err != nil) != tc.fails {
				t.Fatalf("Cents(%s) error %v, want failure %v", tc.in, err, tc.fails)
			}
			if tc.fails {
				return
			}
			if cents != tc.cents || money.Places(d) != tc.places {
				t.Errorf("Cents(%s) = %d places %d, want %d places %d", tc.in, cents, money.Places(d), tc.cents, tc.places)
			}
			if back := money.Format(money.FromCents(cents, tc.places)); back != tc.in {
				t.Errorf("FromCents(%d, %d) = %s, want %s", cents, tc.places, back, tc.in)
			}
		})
	}
}

func TestFromCentsNeverLosesACent(t *testing.T) {
	// 1234 cents cannot be written with no decimal places; keep two.
	if got := money.Format(money.FromCents(1234, 0)); got != "12.34" {
		t.Errorf("FromCents(1234, 0) = %s, want 12.34", got)
	}
}
