// Package fx converts item values in other currencies to US dollars with
// effective-dated exchange rates, exactly.
//
// It owns the rates file format (CSV: currency,valid_from,usd_per_unit) and
// the conversion rule: the rate in force on the date the caller gives (the
// date of exportation, 19 CFR 159.32, or the entry date), the
// product computed exactly in decimal, rounded half-up to the cent; and a
// parcel's sums (Sum): its items in dollars, and as declared, by currency.
// It does no I/O (the caller reads the file) and reads no clock.
package fx

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// USD is the currency values are converted to. It needs no rate.
const USD = "USD"

// Rates is a parsed, immutable table of exchange rates. The zero value and
// nil have no rates: only USD converts.
type Rates struct {
	byCurrency map[string][]rate // sorted by validFrom
	lines      int
}

type rate struct {
	validFrom  string // YYYY-MM-DD; compares as a date
	usdPerUnit decimal.Decimal
}

// NoRateError says no rate is in force for a currency on a date. The
// message to the DLQ names both.
type NoRateError struct {
	Currency string
	Date     string
}

func (e *NoRateError) Error() string {
	return fmt.Sprintf("no %s exchange rate in force on %s", e.Currency, e.Date)
}

// Parse reads a rates file: a header line "currency,valid_from,usd_per_unit"
// and one rate a line. A rate holds from its valid_from date until the next
// line of the same currency. Errors name the line.
func Parse(data []byte) (*Rates, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = 3
	r.TrimLeadingSpace = true
	r.Comment = '#'
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("fx rates: header: %w", err)
	}
	if strings.Join(header, ",") != "currency,valid_from,usd_per_unit" {
		return nil, fmt.Errorf("fx rates: header %q: must be currency,valid_from,usd_per_unit", strings.Join(header, ","))
	}
	rates := &Rates{byCurrency: map[string][]rate{}}
	for {
		record, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := r.FieldPos(0)
		if err != nil {
			return nil, fmt.Errorf("fx rates: %w", err)
		}
		currency, validFrom, perUnit := strings.TrimSpace(record[0]), strings.TrimSpace(record[1]), strings.TrimSpace(record[2])
		if !isCurrency(currency) {
			return nil, fmt.Errorf("fx rates: line %d: currency %q: must be three upper-case letters", line, currency)
		}
		if currency == USD {
			return nil, fmt.Errorf("fx rates: line %d: currency USD: needs no rate", line)
		}
		if _, err := time.Parse(time.DateOnly, validFrom); err != nil {
			return nil, fmt.Errorf("fx rates: line %d: valid_from %q: must be a date YYYY-MM-DD", line, validFrom)
		}
		value, err := decimal.NewFromString(perUnit)
		if err != nil || !value.IsPositive() || strings.ContainsAny(perUnit, "eE") {
			return nil, fmt.Errorf("fx rates: line %d: usd_per_unit %q: must be a positive decimal", line, perUnit)
		}
		for _, existing := range rates.byCurrency[currency] {
			if existing.validFrom == validFrom {
				return nil, fmt.Errorf("fx rates: line %d: %s from %s is given twice", line, currency, validFrom)
			}
		}
		rates.byCurrency[currency] = append(rates.byCurrency[currency], rate{validFrom: validFrom, usdPerUnit: value})
		rates.lines++
	}
	for _, list := range rates.byCurrency {
		slices.SortFunc(list, func(a, b rate) int { return strings.Compare(a.validFrom, b.validFrom) })
	}
	return rates, nil
}

// Len is the number of rates in the table.
func (r *Rates) Len() int {
	if r == nil {
		return 0
	}
	return r.lines
}

// ToUSD converts amount in currency to US dollars with the rate in force on
// date (YYYY-MM-DD), rounded half-up to the cent. USD is returned as it is.
func (r *Rates) ToUSD(amount decimal.Decimal, currency, date string) (decimal.Decimal, error) {
	if currency == USD {
		return amount, nil
	}
	rate, ok := r.lookup(currency, date)
	if !ok {
		return decimal.Decimal{}, &NoRateError{Currency: currency, Date: date}
	}
	// decimal.Round rounds half away from zero, which is half-up for the
	// non-negative amounts manifests carry.
	return amount.Mul(rate).Round(2), nil
}

func (r *Rates) lookup(currency, date string) (decimal.Decimal, bool) {
	if r == nil {
		return decimal.Decimal{}, false
	}
	list := r.byCurrency[currency]
	// The last rate whose valid_from is on or before date.
	i, found := slices.BinarySearchFunc(list, date, func(x rate, d string) int { return strings.Compare(x.validFrom, d) })
	if !found {
		i--
	}
	if i < 0 {
		return decimal.Decimal{}, false
	}
	return list[i].usdPerUnit, true
}

func isCurrency(s string) bool {
	if len(s) != 3 {
		return false
	}
	for i := 0; i < 3; i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}
