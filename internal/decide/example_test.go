package decide_test

import (
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/s321/s321/internal/decide"
)

func ExampleDecide() {
	arrival := time.Date(2025, 3, 1, 15, 4, 5, 0, time.UTC)
	regime := decide.Builtin().At(arrival)

	parcel := decide.Parcel{
		Value: decimal.RequireFromString("120.00"),
		Items: []decide.Item{{HTSCode: "6109.10.0012", OriginCountry: "VN"}},
	}
	// The recipient already had $800.00 of parcels that day; this one is
	// within the threshold alone, but the day total is not.
	dayTotal := decimal.RequireFromString("920.00")

	result := decide.Decide(regime, parcel, dayTotal)
	fmt.Println(regime.ID, regime.Threshold)
	fmt.Println(result.Decision, result.Reasons, result.EntryType)
	// Output:
	// us-321-800 800
	// formal_entry_required [DAILY_TOTAL_OVER_THRESHOLD] informal
}

func ExampleEntryDate() {
	newYork, err := time.LoadLocation("America/New_York")
	if err != nil {
		fmt.Println(err)
		return
	}
	// 12:01 a.m. EDT on August 29, 2025, when EO 14324 took effect.
	arrival := time.Date(2025, 8, 29, 4, 1, 0, 0, time.UTC)
	fmt.Println(decide.EntryDate(arrival, newYork), decide.Builtin().At(arrival).ID)
	// Output: 2025-08-29 us-321-suspended
}
