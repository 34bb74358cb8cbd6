package decide

import (
	"cmp"

	"github.com/shopspring/decimal"
)

// powersOfTen[i] is 10^i, for i up to 18 (the largest that fits an int64).
var powersOfTen = func() (table [19]int64) {
	table[0] = 1
	for i := 1; i < len(table); i++ {
		table[i] = table[i-1] * 10
	}
	return table
}()

// compareMoney returns a.Cmp(b) without allocating when both fit 18 digits
// at the finer of their two exponents, which every amount of money does.
// decimal.Cmp allocates a big.Int whenever the exponents differ ("120.00"
// against a threshold of "800"), which is the common case on the hot path.
func compareMoney(a, b decimal.Decimal) int {
	expA, expB := int64(a.Exponent()), int64(b.Exponent())
	if expA == expB {
		return a.Cmp(b)
	}
	finer := min(expA, expB)
	shiftA, shiftB := expA-finer, expB-finer
	if shiftA > 18 || shiftB > 18 ||
		int64(a.NumDigits())+shiftA > 18 || int64(b.NumDigits())+shiftB > 18 {
		return a.Cmp(b)
	}
	return cmp.Compare(a.CoefficientInt64()*powersOfTen[shiftA], b.CoefficientInt64()*powersOfTen[shiftB])
}
