package decide

import (
	"slices"
	"testing"

	"github.com/shopspring/decimal"
)

func dec(text string) decimal.Decimal { return decimal.RequireFromString(text) }

// regimeAt returns the built-in regime in force at an RFC 3339 instant,
// checking it is the one the test means.
func regimeAt(t testing.TB, instant, wantID string) *Regime {
	t.Helper()
	r := Builtin().At(utc(instant))
	if r == nil || r.ID != wantID {
		t.Fatalf("built-in regime at %s = %v, want %s", instant, r, wantID)
	}
	return r
}

var (
	shirt      = Item{HTSCode: "6109.10.0012", OriginCountry: "VN"}
	chinaShirt = Item{HTSCode: "6109.10.0012", OriginCountry: "CN"}
	wine       = Item{HTSCode: "2204.21.5040", OriginCountry: "FR"}
	cigars     = Item{OriginCountry: "DO", Category: "tobacco"}
)

func TestDecide(t *testing.T) {
	us800 := regimeAt(t, "2020-06-01T12:00:00Z", "us-321-800")
	us200 := regimeAt(t, "2010-06-01T12:00:00Z", "us-321-200")
	excluded := regimeAt(t, "2025-06-01T12:00:00Z", "us-321-800-cn-hk-excluded")
	suspended := regimeAt(t, "2026-01-15T12:00:00Z", "us-321-suspended")
	repealed := regimeAt(t, "2028-01-01T12:00:00Z", "us-321-repealed")
	shipment := mustParseFile(t, "shipment.json").Regimes()[0]

	tests := []struct {
		name      string
		regime    *Regime
		value     string
		items     []Item
		dayTotal  string
		want      []Reason
		wantEntry EntryType
	}{
		{"within everything", us800, "120.00", []Item{shirt}, "120.00", nil, EntryDeMinimis},
		{"value equal to threshold clears", us800, "800.00", []Item{shirt}, "800.00", nil, EntryDeMinimis},
		{"value equal to threshold written 800", us800, "800", []Item{shirt}, "800", nil, EntryDeMinimis},
		{"value a cent over", us800, "800.01", []Item{shirt}, "800.01", []Reason{ReasonValueOver}, EntryInformal},
		{"old threshold 200", us200, "200.01", []Item{shirt}, "200.01", []Reason{ReasonValueOver}, EntryInformal},
		{"old threshold 200 within", us200, "199.99", []Item{shirt}, "199.99", nil, EntryDeMinimis},
		{"day total equal to threshold clears", us800, "120.00", []Item{shirt}, "800.00", nil, EntryDeMinimis},
		{"day total a cent over", us800, "120.00", []Item{shirt}, "800.01", []Reason{ReasonDailyTotalOver}, EntryInformal},
		{"day total over, parcel over too: value only", us800, "900.00", []Item{shirt}, "1500.00", []Reason{ReasonValueOver}, EntryInformal},
		{"origin excluded", excluded, "10.00", []Item{chinaShirt}, "10.00", []Reason{ReasonOriginExcluded}, EntryInformal},
		{"origin excluded, lower case", excluded, "10.00", []Item{{HTSCode: "6109", OriginCountry: "cn"}}, "10.00", []Reason{ReasonOriginExcluded}, EntryInformal},
		{"origin Hong Kong excluded", excluded, "10.00", []Item{shirt, {OriginCountry: "HK"}}, "10.00", []Reason{ReasonOriginExcluded}, EntryInformal},
		{"origin Macau not excluded", excluded, "10.00", []Item{{OriginCountry: "MO"}}, "10.00", nil, EntryDeMinimis},
		{"China not excluded under us-321-800", us800, "10.00", []Item{chinaShirt}, "10.00", nil, EntryDeMinimis},
		{"restricted by HTS", us800, "30.00", []Item{shirt, wine}, "30.00", []Reason{ReasonRestricted}, EntryInformal},
		{"restricted by category", us800, "30.00", []Item{cigars}, "30.00", []Reason{ReasonRestricted}, EntryInformal},
		{"origin, restricted and value, in order", excluded, "900.00", []Item{wine, chinaShirt}, "900.00",
			[]Reason{ReasonOriginExcluded, ReasonRestricted, ReasonValueOver}, EntryInformal},
		{"origin, restricted and day total, in order", excluded, "500.00", []Item{cigars, chinaShirt}, "1000.00",
			[]Reason{ReasonOriginExcluded, ReasonRestricted, ReasonDailyTotalOver}, EntryInformal},
		{"restricted and value", us800, "3000.00", []Item{wine}, "3000.00", []Reason{ReasonRestricted, ReasonValueOver}, EntryFormal},
		{"restricted and day total", us800, "100.00", []Item{wine}, "900.00", []Reason{ReasonRestricted, ReasonDailyTotalOver}, EntryInformal},
		{"suspended: the only reason", suspended, "900.00", []Item{wine, chinaShirt}, "5000.00", []Reason{ReasonSuspended}, EntryInformal},
		{"suspended: a small parcel", suspended, "5.00", []Item{shirt}, "5.00", []Reason{ReasonSuspended}, EntryInformal},
		{"suspended: above the informal limit", suspended, "2600.00", []Item{shirt}, "2600.00", []Reason{ReasonSuspended}, EntryFormal},
		{"repealed", repealed, "1.00", []Item{shirt}, "1.00", []Reason{ReasonSuspended}, EntryInformal},
		{"no regime in force", nil, "1.00", []Item{shirt}, "1.00", []Reason{ReasonSuspended}, EntryInformal},
		{"no regime in force, above the default informal limit", nil, "2500.01", []Item{shirt}, "2500.01", []Reason{ReasonSuspended}, EntryFormal},
		{"informal limit equal", us800, "2500.00", []Item{shirt}, "2500.00", []Reason{ReasonValueOver}, EntryInformal},
		{"informal limit a cent over", us800, "2500.01", []Item{shirt}, "2500.01", []Reason{ReasonValueOver}, EntryFormal},
		{"zero value", us800, "0", []Item{shirt}, "0", nil, EntryDeMinimis},
		{"no items", us800, "0.00", nil, "0.00", nil, EntryDeMinimis},
		{"shipment basis: day total ignored", &shipment, "150.00", []Item{shirt}, "9000.00", nil, EntryDeMinimis},
		{"shipment basis: value over", &shipment, "150.01", []Item{shirt}, "150.01", []Reason{ReasonValueOver}, EntryInformal},
		{"shipment basis: own informal limit", &shipment, "1000.01", []Item{shirt}, "1000.01", []Reason{ReasonValueOver}, EntryFormal},
		{"shipment basis: own HTS prefix", &shipment, "10.00", []Item{{HTSCode: "8703.23", OriginCountry: "JP"}}, "10.00", []Reason{ReasonRestricted}, EntryInformal},
		{"shipment basis: own category", &shipment, "10.00", []Item{{OriginCountry: "JP", Category: "firearms"}}, "10.00", []Reason{ReasonRestricted}, EntryInformal},
		{"shipment basis: alcohol not restricted there", &shipment, "10.00", []Item{wine}, "10.00", nil, EntryDeMinimis},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := Parcel{Value: dec(tc.value), Items: tc.items}
			got := Decide(tc.regime, p, dec(tc.dayTotal))
			want := tc.want
			if want == nil {
				want = []Reason{}
			}
			if got.Reasons == nil {
				t.Fatal("Reasons is nil, want a non-nil slice")
			}
			if !slices.Equal(got.Reasons, want) {
				t.Errorf("Reasons = %v, want %v", got.Reasons, want)
			}
			wantDecision := Cleared
			if len(want) > 0 {
				wantDecision = FormalEntryRequired
			}
			if got.Decision != wantDecision {
				t.Errorf("Decision = %q, want %q", got.Decision, wantDecision)
			}
			if got.EntryType != tc.wantEntry {
				t.Errorf("EntryType = %q, want %q", got.EntryType, tc.wantEntry)
			}

			// Screen gives the same reasons without the day total.
			screened := Screen(tc.regime, p)
			wantScreened := slices.DeleteFunc(slices.Clone(want), func(r Reason) bool { return r == ReasonDailyTotalOver })
			if screened == nil || !slices.Equal(screened, wantScreened) {
				t.Errorf("Screen = %#v, want %v", screened, wantScreened)
			}
			if got := Passes(tc.regime, p); got != (len(wantScreened) == 0) {
				t.Errorf("Passes = %v, want %v", got, len(wantScreened) == 0)
			}
		})
	}
}

func TestHTSMatching(t *testing.T) {
	us800 := regimeAt(t, "2020-06-01T12:00:00Z", "us-321-800")
	// A copy from Regimes has no precomputed matcher: it must agree.
	copied := Builtin().Regimes()[2]
	if copied.ID != "us-321-800" {
		t.Fatalf("Regimes()[2] = %s", copied.ID)
	}
	tests := []struct {
		code       string
		restricted bool
	}{
		{"2203.00.0030", true},
		{"2203000030", true},
		{"2203", true},
		{"22.03", true},
		{"2202", false},
		{"2202.10.0000", false},
		{"2207.10", true},
		{"2207.20.0000", true},
		{"2209.00", false},
		{"4813.10.0000", true},
		{"4813.90", true},
		{"4812", false},
		{"9507.10.0000", true},
		{"9507.30.8000", true},
		{"9506.99.0520", true},
		{"9506.99.1500", false},
		{"9506.62", false},
		{"2208.30.3000", true},
		{"3303.00.3000", true},
		{"3303.00.30", true},
		{"33030030", true},
		{"3303.00.10", false},
		{"3303.00.1000", false},
		{"3303", false},
		{"2402.20.8000", true},
		{"24", true},
		{"9303.20.0010", true},
		{"9403.60", false},
		{"6109.10.0012", false},
		{"2", false},
		{"", false},
	}
	for _, tc := range tests {
		t.Run(tc.code, func(t *testing.T) {
			p := Parcel{Value: dec("10"), Items: []Item{{HTSCode: tc.code, OriginCountry: "GB"}}}
			if got := slices.Contains(Screen(us800, p), ReasonRestricted); got != tc.restricted {
				t.Errorf("restricted = %v, want %v", got, tc.restricted)
			}
			if got := slices.Contains(Screen(&copied, p), ReasonRestricted); got != tc.restricted {
				t.Errorf("copy from Regimes: restricted = %v, want %v", got, tc.restricted)
			}
		})
	}
}

// A copy from Regimes changed by the caller is decided by what it now says.
func TestChangedCopy(t *testing.T) {
	copied := Builtin().Regimes()[2]
	copied.RestrictedHTSPrefixes = []string{"6109"}
	p := Parcel{Value: dec("10"), Items: []Item{shirt}}
	if got := Screen(&copied, p); !slices.Equal(got, []Reason{ReasonRestricted}) {
		t.Errorf("Screen = %v, want [RESTRICTED_GOODS]", got)
	}
	if got := Screen(regimeAt(t, "2020-06-01T12:00:00Z", "us-321-800"), p); len(got) != 0 {
		t.Errorf("the table changed with the copy: Screen = %v", got)
	}
}

func TestCategories(t *testing.T) {
	us800 := regimeAt(t, "2020-06-01T12:00:00Z", "us-321-800")
	tests := []struct {
		category   string
		restricted bool
	}{
		{"alcohol", true},
		{"tobacco", true},
		{"firearms", true},
		// hazmat is no Section 321 rule: the built-in table does not
		// restrict it (a file may).
		{"hazmat", false},
		{"Hazmat", false},
		{"Alcohol", true},
		{"", false},
		{"apparel", false},
	}
	for _, tc := range tests {
		t.Run(tc.category, func(t *testing.T) {
			p := Parcel{Value: dec("10"), Items: []Item{shirt, {OriginCountry: "GB", Category: tc.category}}}
			got := slices.Contains(Screen(us800, p), ReasonRestricted)
			if got != tc.restricted {
				t.Errorf("restricted = %v, want %v", got, tc.restricted)
			}
		})
	}
}

// A Regime written by hand, not parsed, has no precomputed matcher; its
// prefixes must still restrict.
func TestHandBuiltRegime(t *testing.T) {
	r := &Regime{
		ID: "hand", Threshold: dec("800"), HasThreshold: true, Basis: BasisRecipientDay,
		InformalEntryLimit: dec("2500"), RestrictedHTSPrefixes: []string{"2203", "33030030", ""},
	}
	tests := []struct {
		code       string
		restricted bool
	}{
		{"2203.00.0030", true},
		{"3303.00.3010", true},
		{"3303.00.1000", false},
		{"6109", false},
	}
	for _, tc := range tests {
		t.Run(tc.code, func(t *testing.T) {
			got := Decide(r, Parcel{Value: dec("1"), Items: []Item{{HTSCode: tc.code}}}, dec("1"))
			if restricted := slices.Contains(got.Reasons, ReasonRestricted); restricted != tc.restricted {
				t.Errorf("restricted = %v, want %v (reasons %v)", restricted, tc.restricted, got.Reasons)
			}
		})
	}
}

func TestDailyTotalApplies(t *testing.T) {
	us800 := regimeAt(t, "2020-06-01T12:00:00Z", "us-321-800")
	suspended := regimeAt(t, "2026-01-15T12:00:00Z", "us-321-suspended")
	shipment := mustParseFile(t, "shipment.json").Regimes()[0]
	tests := []struct {
		name     string
		regime   *Regime
		value    string
		dayTotal string
		want     bool
	}{
		{"day total over", us800, "100", "800.01", true},
		{"day total equal", us800, "100", "800.00", false},
		{"value equal, day total over", us800, "800.00", "800.01", true},
		{"value over", us800, "800.01", "900", false},
		{"suspended", suspended, "100", "900", false},
		{"no regime", nil, "100", "900", false},
		{"shipment basis", &shipment, "100", "900", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := DailyTotalApplies(tc.regime, dec(tc.value), dec(tc.dayTotal)); got != tc.want {
				t.Errorf("DailyTotalApplies = %v, want %v", got, tc.want)
			}
		})
	}
}

// Cleared parcels share one empty Reasons slice; appending to it must not
// change what another Result holds.
func TestClearedReasonsNotShared(t *testing.T) {
	us800 := regimeAt(t, "2020-06-01T12:00:00Z", "us-321-800")
	p := Parcel{Value: dec("10"), Items: []Item{shirt}}
	first := Decide(us800, p, dec("10"))
	_ = append(first.Reasons, ReasonRestricted)
	second := Decide(us800, p, dec("10"))
	if len(second.Reasons) != 0 {
		t.Errorf("second cleared Reasons = %v, want empty", second.Reasons)
	}
}

func TestDecideAllocations(t *testing.T) {
	us800 := regimeAt(t, "2020-06-01T12:00:00Z", "us-321-800")
	excluded := regimeAt(t, "2025-06-01T12:00:00Z", "us-321-800-cn-hk-excluded")
	items := []Item{shirt, {HTSCode: "8471.30.0100", OriginCountry: "TW"}, {HTSCode: "9503.00.0073", OriginCountry: "VN", Category: ""}}
	tests := []struct {
		name     string
		regime   *Regime
		parcel   Parcel
		dayTotal decimal.Decimal
		want     float64
	}{
		{"cleared", us800, Parcel{Value: dec("120.00"), Items: items}, dec("300.00"), 0},
		{"cleared, value written without cents", us800, Parcel{Value: dec("120"), Items: items}, dec("300"), 0},
		{"refused: one slice", excluded, Parcel{Value: dec("120.00"), Items: append([]Item{chinaShirt}, items...)}, dec("900.00"), 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := testing.AllocsPerRun(200, func() { Decide(tc.regime, tc.parcel, tc.dayTotal) })
			if got > tc.want {
				t.Errorf("Decide allocates %v times, want at most %v", got, tc.want)
			}
		})
	}
}

func BenchmarkScreen(b *testing.B) {
	excluded := regimeAt(b, "2025-06-01T12:00:00Z", "us-321-800-cn-hk-excluded")
	p := Parcel{Value: dec("120.00"), Items: []Item{shirt, {HTSCode: "8471.30.0100", OriginCountry: "TW"}, {HTSCode: "9503.00.0073", OriginCountry: "VN"}}}
	b.ReportAllocs()
	for b.Loop() {
		Screen(excluded, p)
	}
}

func BenchmarkDecide(b *testing.B) {
	us800 := regimeAt(b, "2020-06-01T12:00:00Z", "us-321-800")
	excluded := regimeAt(b, "2025-06-01T12:00:00Z", "us-321-800-cn-hk-excluded")
	items := []Item{shirt, {HTSCode: "8471.30.0100", OriginCountry: "TW"}, {HTSCode: "9503.00.0073", OriginCountry: "VN"}}
	cases := []struct {
		name     string
		regime   *Regime
		parcel   Parcel
		dayTotal decimal.Decimal
	}{
		{"cleared", us800, Parcel{Value: dec("120.00"), Items: items}, dec("300.00")},
		{"daily_total", us800, Parcel{Value: dec("120.00"), Items: items}, dec("920.00")},
		{"origin_restricted_value", excluded, Parcel{Value: dec("950.00"), Items: append([]Item{chinaShirt, wine}, items...)}, dec("950.00")},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Decide(c.regime, c.parcel, c.dayTotal)
			}
		})
	}
}

func BenchmarkAt(b *testing.B) {
	table := Builtin()
	instant := utc("2025-06-01T12:00:00Z")
	b.ReportAllocs()
	for b.Loop() {
		table.At(instant)
	}
}
