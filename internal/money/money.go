// Package money holds the few exact conversions the processor needs between
// decimal amounts as written, integer cents, and their text form.
//
// Amounts keep the number of decimal places they were written with: 450.00
// prints "450.00" and 800 prints "800", and a sum has as many places as its
// most precise term, as in written arithmetic. Nothing here uses float64.
package money

import (
	"fmt"

	"github.com/shopspring/decimal"
)

// MaxPlaces is the most decimal places an amount may have: cents.
const MaxPlaces = 2

// Format prints d with exactly the decimal places it carries.
// (decimal.Decimal.String drops trailing zeros: 450.00 would print "450".)
func Format(d decimal.Decimal) string {
	if places := Places(d); places > 0 {
		return d.StringFixed(places)
	}
	return d.String()
}

// Places returns the number of decimal places d was written with.
func Places(d decimal.Decimal) int32 {
	if exp := d.Exponent(); exp < 0 {
		return -exp
	}
	return 0
}

// Cents converts d, which has at most two decimal places, to whole cents.
func Cents(d decimal.Decimal) (int64, error) {
	shifted := d.Shift(MaxPlaces)
	if !shifted.IsInteger() {
		return 0, fmt.Errorf("%s has more than %d decimal places", Format(d), MaxPlaces)
	}
	if !shifted.BigInt().IsInt64() {
		return 0, fmt.Errorf("%s is out of range", Format(d))
	}
	return shifted.IntPart(), nil
}

// FromCents turns whole cents back into an amount with the given number of
// decimal places (0 to 2). Callers pass the largest number of places among
// the amounts that were summed into cents, so the conversion is exact; were
// it not, the amount keeps two places rather than lose a cent.
func FromCents(cents int64, places int32) decimal.Decimal {
	if places < 0 || places >= MaxPlaces {
		return decimal.New(cents, -MaxPlaces)
	}
	divisor := int64(1)
	for i := places; i < MaxPlaces; i++ {
		divisor *= 10
	}
	if cents%divisor != 0 {
		return decimal.New(cents, -MaxPlaces)
	}
	return decimal.New(cents/divisor, -places)
}
