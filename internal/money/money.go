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
	if coef, ok := smallCoefficient(d); ok && d.Exponent() <= 0 {
		// The usual amount: its text in one allocation, not through big.Int.
		var buf [24]byte
		return string(appendFixed(buf[:0], coef, int(-d.Exponent())))
	}
	if places := Places(d); places > 0 {
		return d.StringFixed(places)
	}
	return d.String()
}

// maxSmallDigits bounds the coefficients worked on as int64 here: with
// two places added they stay below 10^18, and a sum of two below 2^62.
const maxSmallDigits = 16

// smallCoefficient returns d's coefficient when it has at most
// maxSmallDigits digits.
func smallCoefficient(d decimal.Decimal) (int64, bool) {
	if d.NumDigits() > maxSmallDigits {
		return 0, false
	}
	return d.CoefficientInt64(), true
}

// appendFixed appends coef scaled by 10^-places, with exactly places
// decimals and at least one digit before the point, as
// decimal.Decimal.StringFixed writes it.
func appendFixed(dst []byte, coef int64, places int) []byte {
	magnitude := uint64(coef)
	if coef < 0 {
		dst = append(dst, '-')
		magnitude = -magnitude
	}
	var digits [20]byte
	i := len(digits)
	for magnitude > 0 || i > len(digits)-places-1 {
		i--
		digits[i] = byte('0' + magnitude%10)
		magnitude /= 10
	}
	text := digits[i:]
	dst = append(dst, text[:len(text)-places]...)
	if places > 0 {
		dst = append(dst, '.')
		dst = append(dst, text[len(text)-places:]...)
	}
	return dst
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
	if cents, ok := smallCents(d); ok {
		return cents, nil
	}
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
	if places < 0 || places > MaxPlaces {
		places = MaxPlaces
	}
	if cents == 0 {
		// The usual gift total: shared, since a Decimal is never changed
		// in place, rather than a new big.Int each time.
		return zeroAt[places]
	}
	if places == MaxPlaces {
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

// zeroAt[p] is zero written with p decimal places.
var zeroAt = func() (z [MaxPlaces + 1]decimal.Decimal) {
	for p := range z {
		z[p] = decimal.New(0, -int32(p))
	}
	return z
}()

// smallCents is Cents without allocating, for an amount written with 0 to
// 2 places and a coefficient of at most maxSmallDigits digits; ok is false
// for any other, which Cents converts through big.Int.
func smallCents(d decimal.Decimal) (cents int64, ok bool) {
	exp := d.Exponent()
	if exp < -MaxPlaces || exp > 0 {
		return 0, false
	}
	coef, ok := smallCoefficient(d)
	if !ok {
		return 0, false
	}
	for range int(exp) + MaxPlaces {
		coef *= 10
	}
	return coef, true
}

// Sum adds amounts exactly, as a chain of decimal.Decimal.Add does: the
// total carries the most decimal places among the terms. While every term
// is an amount smallCents takes, it adds whole cents and allocates only
// the total. The zero Sum is empty; its Total is the zero decimal.
type Sum struct {
	terms  int
	first  decimal.Decimal // the only term while terms == 1
	cents  int64           // the sum while !big
	places int32           // the most places among the terms summed in cents
	exact  decimal.Decimal // the sum once a term did not fit in cents
	big    bool            // exact holds the sum
}

// Add adds d to the sum.
func (s *Sum) Add(d decimal.Decimal) {
	s.terms++
	if s.terms == 1 {
		s.first = d
	}
	if !s.big {
		if cents, ok := smallCents(d); ok && s.cents < 1<<62 && s.cents > -(1<<62) {
			s.cents += cents
			s.places = max(s.places, Places(d))
			return
		}
		s.big = true
		if s.terms == 1 {
			s.exact = d
			return
		}
		s.exact = s.fromCents()
	}
	s.exact = s.exact.Add(d)
}

// Total returns the sum.
func (s *Sum) Total() decimal.Decimal {
	switch {
	case s.terms == 0:
		return decimal.Decimal{}
	case s.terms == 1:
		return s.first
	case s.big:
		return s.exact
	}
	return s.fromCents()
}

// fromCents is the sum of the terms added in cents. Every term has at
// most s.places places, so the division is exact.
func (s *Sum) fromCents() decimal.Decimal {
	divisor := int64(1)
	for range MaxPlaces - s.places {
		divisor *= 10
	}
	return decimal.New(s.cents/divisor, -s.places)
}
