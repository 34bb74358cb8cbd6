package fx

import (
	"github.com/shopspring/decimal"

	"github.com/s321/s321/internal/money"
)

// Sum adds up one parcel's item values twice: in US dollars, each item
// converted with the rate in force on one date, and as declared, by
// currency. Make it with NewSum; it lives on the caller's stack, and a
// parcel that declares a single currency allocates nothing for it.
type Sum struct {
	rates *Rates
	date  string
	usd   money.Sum
	// first is the first currency declared, when items is above 0; more
	// the others (rare), in the order they first appear.
	first currencySum
	more  []currencySum
	items int
}

// currencySum is the declared values of one currency, added up.
type currencySum struct {
	currency string
	sum      money.Sum
}

// NewSum returns an empty sum that converts with rates (nil: USD only)
// on date (YYYY-MM-DD).
func NewSum(rates *Rates, date string) Sum {
	return Sum{rates: rates, date: date}
}

// Add adds an item's value in currency. Its error is ToUSD's, a
// *NoRateError, and leaves the sum as it was.
func (s *Sum) Add(value decimal.Decimal, currency string) error {
	usd, err := s.rates.ToUSD(value, currency, s.date)
	if err != nil {
		return err
	}
	s.usd.Add(usd)
	s.declared(currency).Add(value)
	s.items++
	return nil
}

// declared returns the declared sum of currency, adding it when new.
func (s *Sum) declared(currency string) *money.Sum {
	if s.items == 0 || s.first.currency == currency {
		s.first.currency = currency
		return &s.first.sum
	}
	for i := range s.more {
		if s.more[i].currency == currency {
			return &s.more[i].sum
		}
	}
	s.more = append(s.more, currencySum{currency: currency})
	return &s.more[len(s.more)-1].sum
}

// Total returns the sum in US dollars, its text (money.Format), and the
// amounts as declared.
func (s *Sum) Total() (decimal.Decimal, string, Declared) {
	usd := s.usd.Total()
	text := money.Format(usd)
	var declared Declared
	if s.items == 0 {
		return usd, text, declared
	}
	declared.First = Amount{Currency: s.first.currency}
	if s.first.currency == USD && len(s.more) == 0 {
		declared.First.Value = text // the same sum
	} else {
		declared.First.Value = money.Format(s.first.sum.Total())
	}
	for i := range s.more {
		declared.More = append(declared.More, Amount{Currency: s.more[i].currency, Value: money.Format(s.more[i].sum.Total())})
	}
	return usd, text, declared
}

// Declared are a parcel's amounts as declared, summed by currency, in the
// order the currencies first appear. Most parcels have one: First.
type Declared struct {
	First Amount
	More  []Amount
}

// Amount is a sum in one currency, as text.
type Amount struct{ Currency, Value string }

// Fill replaces m's contents with the amounts, by currency, so that one
// map serves every parcel of a batch in turn.
func (d *Declared) Fill(m map[string]string) {
	clear(m)
	if d.First.Currency == "" {
		return // no items
	}
	m[d.First.Currency] = d.First.Value
	for _, a := range d.More {
		m[a.Currency] = a.Value
	}
}
