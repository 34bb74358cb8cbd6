package money_test

import (
	"errors"
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

// FromCents writes cents with the places asked (two when out of range),
// zero included, which it does not allocate.
func TestFromCentsKeepsThePlaces(t *testing.T) {
	for _, tc := range []struct {
		cents  int64
		places int32
		want   string
		exp    int32
	}{
		{0, 0, "0", 0}, {0, 1, "0.0", -1}, {0, 2, "0.00", -2}, {0, -1, "0.00", -2}, {0, 3, "0.00", -2},
		{1200, 0, "12", 0}, {1230, 1, "12.3", -1}, {1234, 2, "12.34", -2}, {1234, 3, "12.34", -2}, {-500, 0, "-5", 0},
	} {
		d := money.FromCents(tc.cents, tc.places)
		if got := money.Format(d); got != tc.want || d.Exponent() != tc.exp {
			t.Errorf("FromCents(%d, %d) = %s (exponent %d), want %s (%d)", tc.cents, tc.places, got, d.Exponent(), tc.want, tc.exp)
		}
	}
	if n := testing.AllocsPerRun(100, func() { _ = money.FromCents(0, 2) }); n != 0 {
		t.Errorf("FromCents(0, 2) allocates %.0f times, want 0", n)
	}
}

// amounts are decimals of every shape the fast paths must agree with
// decimal on: 0 to 3 places, negative, zero, positive exponents, and
// coefficients around the int64 and maxSmallDigits bounds.
func amounts() []decimal.Decimal {
	var out []decimal.Decimal
	for _, text := range []string{
		"0", "0.0", "0.00", "0.000", "1", "0.5", "0.05", "0.01", "0.10", "450.00", "800", "12.5", "-0.05", "-7", "-12.34",
		"9999999999999999", "99999999999999.99", "999999999999999.9", "10000000000000000", "100000000000000.00",
		"9223372036854775807", "-9223372036854775808", "92233720368547758.07", "100000000000000000000", "1.005", "-0.001",
	} {
		out = append(out, decimal.RequireFromString(text))
	}
	for _, exp := range []int32{-3, -2, -1, 0, 1, 2} {
		for _, coef := range []int64{0, 1, -1, 7, 42, 99, 100, 12345, -98765, 1e15 - 1, 1e15, 1e16 - 1, 1e16, -(1e16 - 1)} {
			out = append(out, decimal.New(coef, exp))
		}
	}
	return out
}

// TestFastPathsAgreeWithDecimal holds Format, Cents and Sum to what the
// decimal arithmetic they shortcut gives.
func TestFastPathsAgreeWithDecimal(t *testing.T) {
	all := amounts()
	for _, d := range all {
		want := d.String()
		if places := money.Places(d); places > 0 {
			want = d.StringFixed(places)
		}
		if got := money.Format(d); got != want {
			t.Errorf("Format(%s, exp %d) = %q, want %q", d, d.Exponent(), got, want)
		}
		gotCents, gotErr := money.Cents(d)
		wantCents, wantErr := slowCents(d)
		if gotCents != wantCents || (gotErr == nil) != (wantErr == nil) {
			t.Errorf("Cents(%s, exp %d) = %d, %v; want %d, %v", d, d.Exponent(), gotCents, gotErr, wantCents, wantErr)
		}
	}
	for i, a := range all {
		for j, b := range all {
			for _, terms := range [][]decimal.Decimal{{a}, {a, b}, {a, b, all[(i+j)%len(all)]}} {
				var sum money.Sum
				want := terms[0]
				for k, d := range terms {
					sum.Add(d)
					if k > 0 {
						want = want.Add(d)
					}
				}
				got := sum.Total()
				if !got.Equal(want) || got.Exponent() != want.Exponent() {
					t.Fatalf("Sum%v = %s (exp %d), want %s (exp %d)", terms, got, got.Exponent(), want, want.Exponent())
				}
			}
		}
	}
	var empty money.Sum
	if got := empty.Total(); !got.Equal(decimal.Decimal{}) || got.Exponent() != 0 {
		t.Errorf("empty Sum = %s", got)
	}
}

// slowCents is Cents as it was before its fast path.
func slowCents(d decimal.Decimal) (int64, error) {
	shifted := d.Shift(money.MaxPlaces)
	if !shifted.IsInteger() {
		return 0, errors.New("places")
	}
	if !shifted.BigInt().IsInt64() {
		return 0, errors.New("range")
	}
	return shifted.IntPart(), nil
}

func BenchmarkFormat(b *testing.B) {
	d := decimal.RequireFromString("1234.50")
	b.ReportAllocs()
	for b.Loop() {
		_ = money.Format(d)
	}
}

func BenchmarkSum(b *testing.B) {
	terms := []decimal.Decimal{decimal.RequireFromString("12.50"), decimal.RequireFromString("3"), decimal.RequireFromString("0.99")}
	b.ReportAllocs()
	for b.Loop() {
		var sum money.Sum
		for _, d := range terms {
			sum.Add(d)
		}
		_ = sum.Total()
	}
}
