package fx_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/s321/s321/internal/fx"
	"github.com/s321/s321/internal/money"
)

const table = `currency,valid_from,usd_per_unit
EUR,2024-01-01,1.0931
EUR,2024-06-01,1.0712
JPY,2024-01-01,0.006712
GBP,2024-03-15,1.2705
`

func TestToUSD(t *testing.T) {
	rates, err := fx.Parse([]byte(table))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, amount, currency, date, want string
		noRate                             bool
	}{
		{"usd unchanged, scale kept", "800", "USD", "2020-01-01", "800", false},
		{"first day of a rate", "100.00", "EUR", "2024-01-01", "109.31", false},
		{"last day before the next rate", "100.00", "EUR", "2024-05-31", "109.31", false},
		{"first day of the next rate", "100.00", "EUR", "2024-06-01", "107.12", false},
		{"long after the last rate", "100.00", "EUR", "2026-11-25", "107.12", false},
		{"rounds half up", "0.50", "EUR", "2024-06-01", "0.54", false},                  // 0.5356 -> 0.54
		{"small amounts round to the cent", "2.50", "JPY", "2024-01-01", "0.02", false}, // 0.01678 -> 0.02
		{"exact half", "1", "GBP", "2024-03-15", "1.27", false},                         // 1.2705 -> 1.27
		{"half cent goes up", "10", "GBP", "2024-03-15", "12.71", false},                // 12.705 -> 12.71
		{"before the first rate", "1", "EUR", "2023-12-31", "", true},
		{"unknown currency", "1", "CHF", "2024-06-01", "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := rates.ToUSD(decimal.RequireFromString(tc.amount), tc.currency, tc.date)
			var noRate *fx.NoRateError
			if tc.noRate {
				if !errors.As(err, &noRate) || noRate.Currency != tc.currency || noRate.Date != tc.date {
					t.Fatalf("got %v, want a NoRateError naming %s and %s", err, tc.currency, tc.date)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if money.Format(got) != tc.want {
				t.Errorf("ToUSD(%s %s on %s) = %s, want %s", tc.amount, tc.currency, tc.date, money.Format(got), tc.want)
			}
		})
	}
}

func TestNilRatesConvertOnlyUSD(t *testing.T) {
	var rates *fx.Rates
	if _, err := rates.ToUSD(decimal.NewFromInt(1), "EUR", "2024-01-01"); err == nil {
		t.Error("EUR converted without rates")
	}
	if got, err := rates.ToUSD(decimal.NewFromInt(1), "USD", "2024-01-01"); err != nil || !got.Equal(decimal.NewFromInt(1)) {
		t.Errorf("USD: %v %v", got, err)
	}
}

func TestParseErrorsNameTheLine(t *testing.T) {
	tests := []struct{ name, data, want string }{
		{"header", "cur,from,rate\n", `header "cur,from,rate"`},
		{"currency", "currency,valid_from,usd_per_unit\neur,2024-01-01,1\n", `line 2: currency "eur"`},
		{"date", "currency,valid_from,usd_per_unit\nEUR,01/01/2024,1\n", `line 2: valid_from "01/01/2024"`},
		{"rate", "currency,valid_from,usd_per_unit\nEUR,2024-01-01,-1\n", `line 2: usd_per_unit "-1"`},
		{"exponent", "currency,valid_from,usd_per_unit\nEUR,2024-01-01,1e2\n", `line 2: usd_per_unit "1e2"`},
		{"twice", "currency,valid_from,usd_per_unit\nEUR,2024-01-01,1\nEUR,2024-01-01,2\n", "line 3: EUR from 2024-01-01 is given twice"},
		{"usd", "currency,valid_from,usd_per_unit\nUSD,2024-01-01,1\n", "line 2: currency USD"},
		{"fields", "currency,valid_from,usd_per_unit\nEUR,2024-01-01\n", "wrong number of fields"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := fx.Parse([]byte(tc.data))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Parse: %v, want an error with %q", err, tc.want)
			}
		})
	}
}

func TestSumConvertsAndKeepsTheDeclaredAmounts(t *testing.T) {
	rates, err := fx.Parse([]byte(table))
	if err != nil {
		t.Fatal(err)
	}
	type item struct{ value, currency string }
	tests := []struct {
		name     string
		items    []item
		usd      string
		declared map[string]string
	}{
		{"usd alone, as written", []item{{"10", "USD"}, {"2.50", "USD"}}, "12.50", map[string]string{"USD": "12.50"}},
		{"each item rounded, then summed", []item{{"10", "GBP"}, {"10", "GBP"}, {"1", "USD"}}, "26.42", map[string]string{"GBP": "20", "USD": "1"}},
		{"currencies in the order they appear", []item{{"1", "EUR"}, {"100", "JPY"}, {"2", "EUR"}}, "3.88", map[string]string{"EUR": "3", "JPY": "100"}},
		{"no items", nil, "0", map[string]string{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sum := fx.NewSum(rates, "2024-06-01")
			for _, it := range tc.items {
				if err := sum.Add(decimal.RequireFromString(it.value), it.currency); err != nil {
					t.Fatal(err)
				}
			}
			usd, text, declared := sum.Total()
			if text != tc.usd || money.Format(usd) != tc.usd {
				t.Errorf("total %s (%s), want %s", text, money.Format(usd), tc.usd)
			}
			got := map[string]string{"stale": "x"}
			declared.Fill(got)
			if fmt.Sprint(got) != fmt.Sprint(tc.declared) {
				t.Errorf("declared %v, want %v", got, tc.declared)
			}
		})
	}
}

func TestSumWithoutARateSaysWhich(t *testing.T) {
	sum := fx.NewSum(nil, "2024-06-01")
	err := sum.Add(decimal.NewFromInt(1), "EUR")
	var noRate *fx.NoRateError
	if !errors.As(err, &noRate) || noRate.Currency != "EUR" || noRate.Date != "2024-06-01" {
		t.Errorf("got %v, want a NoRateError for EUR on 2024-06-01", err)
	}
}
