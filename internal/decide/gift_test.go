package decide

import (
	"slices"
	"testing"
)

func TestDecideGift(t *testing.T) {
	before := regimeAt(t, "2024-05-01T14:00:00Z", "us-321-800")
	suspended := regimeAt(t, "2025-09-10T14:00:00Z", "us-321-suspended")
	noAllowance := *before
	noAllowance.HasGiftAllowance = false
	tests := []struct {
		name      string
		regime    *Regime
		items     []Item
		value     string
		giftTotal string
		dayTotal  string
		decision  Decision
		exemption Exemption
		reasons   []Reason
	}{
		{"under the allowance", before, []Item{shirt}, "60.00", "60.00", "60.00", Cleared, ExemptionGift, nil},
		{"exactly at the allowance", before, []Item{shirt}, "100.00", "100.00", "100.00", Cleared, ExemptionGift, nil},
		{"over the allowance falls back to de minimis", before, []Item{shirt}, "50.00", "100.01", "100.01", Cleared, ExemptionDeMinimis, nil},
		{"over the allowance and the day total", before, []Item{shirt}, "50.00", "150.00", "850.00", FormalEntryRequired, "", []Reason{ReasonDailyTotalOver}},
		{"under the suspension", suspended, []Item{shirt}, "99.99", "99.99", "99.99", Cleared, ExemptionGift, nil},
		{"over the allowance under the suspension", suspended, []Item{shirt}, "50.00", "100.01", "100.01", FormalEntryRequired, "", []Reason{ReasonSuspended}},
		{"restricted goods are never a gift", suspended, []Item{wine}, "10.00", "10.00", "10.00", FormalEntryRequired, "", []Reason{ReasonSuspended}},
		{"a regime without a gift allowance", &noAllowance, []Item{shirt}, "10.00", "10.00", "10.00", Cleared, ExemptionDeMinimis, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := DecideGift(tc.regime, Parcel{Value: dec(tc.value), Items: tc.items}, dec(tc.dayTotal), dec(tc.giftTotal))
			reasons := tc.reasons
			if reasons == nil {
				reasons = []Reason{}
			}
			if got.Decision != tc.decision || got.Exemption != tc.exemption || !slices.Equal(got.Reasons, reasons) {
				t.Errorf("got %s %q %v, want %s %q %v", got.Decision, got.Exemption, got.Reasons, tc.decision, tc.exemption, reasons)
			}
		})
	}
}

func TestBuiltinGiftAllowance(t *testing.T) {
	for _, r := range Builtin().Regimes() {
		if !r.HasGiftAllowance || !r.GiftAllowance.Equal(dec("100")) {
			t.Errorf("%s: gift allowance %v %s, want 100 in every built-in regime", r.ID, r.HasGiftAllowance, r.GiftAllowance)
		}
	}
}
