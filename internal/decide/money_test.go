package decide

import (
	"testing"

	"github.com/shopspring/decimal"
)

func TestCompareMoney(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"800", "800.00", 0},
		{"800.00", "800", 0},
		{"800.01", "800", 1},
		{"799.99", "800", -1},
		{"800.1", "800.01", 1},
		{"0", "0.00", 0},
		{"0.00", "0.01", -1},
		{"-1", "0.00", -1},
		{"-1.50", "-1.5", 0},
		{"-1.51", "-1.5", -1},
		{"8E2", "800.00", 0},
		{"8E2", "800.01", -1},
		{"999999999999999.99", "999999999999999", 1},
		// Too many digits for int64 at the finer exponent: decimal.Cmp decides.
		{"123456789012345678901234567890", "123456789012345678901234567890.01", -1},
		{"123456789012345678901234567890.01", "123456789012345678901234567890", 1},
		{"1E30", "1000000000000000000000000000000.00", 0},
		{"1", "1E-30", 1},
	}
	for _, tc := range tests {
		t.Run(tc.a+" vs "+tc.b, func(t *testing.T) {
			a, b := decimal.RequireFromString(tc.a), decimal.RequireFromString(tc.b)
			if got := compareMoney(a, b); got != tc.want {
				t.Errorf("compareMoney = %d, want %d", got, tc.want)
			}
			if got := a.Cmp(b); got != tc.want {
				t.Errorf("the test is wrong: decimal.Cmp = %d, want %d", got, tc.want)
			}
		})
	}
}

func FuzzCompareMoney(f *testing.F) {
	f.Add(int64(80000), int32(-2), int64(800), int32(0))
	f.Add(int64(-5), int32(-1), int64(0), int32(3))
	f.Fuzz(func(t *testing.T, coefficientA int64, expA int32, coefficientB int64, expB int32) {
		expA, expB = expA%40, expB%40
		a, b := decimal.New(coefficientA, expA), decimal.New(coefficientB, expB)
		if got, want := compareMoney(a, b), a.Cmp(b); got != want {
			t.Errorf("compareMoney(%s, %s) = %d, decimal.Cmp = %d", a, b, got, want)
		}
	})
}
