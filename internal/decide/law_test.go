package decide

import (
	"errors"
	"slices"
	"testing"
)

func TestMailEntry(t *testing.T) {
	suspended := regimeAt(t, "2026-01-15T12:00:00Z", "us-321-suspended")
	us800 := regimeAt(t, "2020-06-01T12:00:00Z", "us-321-800")
	tests := []struct {
		name   string
		regime *Regime
		postal bool
		value  string
		want   EntryType
	}{
		{"postal, small, suspended: mail", suspended, true, "5.00", EntryMail},
		{"postal, at the informal limit: mail", suspended, true, "2500.00", EntryMail},
		{"postal, a cent over the informal limit: formal", suspended, true, "2500.01", EntryFormal},
		{"not postal: informal", suspended, false, "5.00", EntryInformal},
		{"postal over the threshold: mail", us800, true, "900.00", EntryMail},
		{"postal and cleared: de minimis", us800, true, "100.00", EntryDeMinimis},
		{"postal, no regime: mail", nil, true, "10.00", EntryMail},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := Parcel{Value: dec(tc.value), Items: []Item{shirt}, Postal: tc.postal}
			if got := Decide(tc.regime, p, p.Value).EntryType; got != tc.want {
				t.Errorf("EntryType = %q, want %q", got, tc.want)
			}
		})
	}
}

// The informal-entry limit was $2,000 before 7 January 2013 (CBP Dec.
// 12-19); the built-in table carries both with their dates.
func TestInformalEntryLimitByDate(t *testing.T) {
	tests := []struct {
		name    string
		instant string
		value   string
		want    EntryType
	}{
		{"2012: $2,000.00 informal", "2012-06-01T12:00:00Z", "2000.00", EntryInformal},
		{"2012: $2,000.01 formal", "2012-06-01T12:00:00Z", "2000.01", EntryFormal},
		{"one second before CBP Dec. 12-19: $2,100 formal", "2013-01-07T04:59:59Z", "2100.00", EntryFormal},
		{"at CBP Dec. 12-19: $2,100 informal", "2013-01-07T05:00:00Z", "2100.00", EntryInformal},
		{"2014: $2,500.00 informal", "2014-06-01T12:00:00Z", "2500.00", EntryInformal},
		{"2014: $2,500.01 formal", "2014-06-01T12:00:00Z", "2500.01", EntryFormal},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := regimeAt(t, tc.instant, "us-321-200")
			p := Parcel{Value: dec(tc.value), Items: []Item{shirt}}
			if got := Decide(r, p, p.Value).EntryType; got != tc.want {
				t.Errorf("EntryType = %q, want %q (limit %s)", got, tc.want, r.InformalEntryLimit)
			}
		})
	}
}

func TestGiftRules(t *testing.T) {
	us800 := regimeAt(t, "2024-05-01T14:00:00Z", "us-321-800")
	suspended := regimeAt(t, "2025-09-10T14:00:00Z", "us-321-suspended")
	noAllowance := *us800
	noAllowance.HasGiftAllowance = false
	tests := []struct {
		name      string
		regime    *Regime
		parcel    Parcel
		giftTotal string
		refusal   GiftRefusal
		exemption Exemption
		reasons   []Reason
	}{
		{"a gift from Germany within $100", suspended, Parcel{ShipperCountry: "DE"}, "100.00", "", ExemptionGift, nil},
		{"a gift from Germany over $100", suspended, Parcel{ShipperCountry: "DE"}, "100.01", GiftOverAllowance, "", []Reason{ReasonSuspended}},
		{"a gift from the Virgin Islands within $200", suspended, Parcel{ShipperCountry: "VI"}, "200.00", "", ExemptionGift, nil},
		{"a gift from Guam, lower case, within $200", suspended, Parcel{ShipperCountry: "gu"}, "150.00", "", ExemptionGift, nil},
		{"a gift from American Samoa over $200", suspended, Parcel{ShipperCountry: "AS"}, "200.01", GiftOverAllowance, "", []Reason{ReasonSuspended}},
		{"a gift with no shipper country: $100", suspended, Parcel{}, "150.00", GiftOverAllowance, "", []Reason{ReasonSuspended}},
		{"a purchase claiming a gift: refused", suspended, Parcel{Purchase: true}, "10.00", GiftPurchase, "", []Reason{ReasonSuspended}},
		{"a purchase from the Virgin Islands: refused", suspended, Parcel{Purchase: true, ShipperCountry: "VI"}, "10.00", GiftPurchase, "", []Reason{ReasonSuspended}},
		{"a purchase under de minimis still clears as de minimis", us800, Parcel{Purchase: true}, "10.00", GiftPurchase, ExemptionDeMinimis, nil},
		{"restricted goods", suspended, Parcel{Items: []Item{wine}}, "10.00", GiftRestricted, "", []Reason{ReasonSuspended}},
		{"no allowance", &noAllowance, Parcel{}, "10.00", GiftNoAllowance, ExemptionDeMinimis, nil},
		{"no regime", nil, Parcel{}, "10.00", GiftNoAllowance, "", []Reason{ReasonSuspended}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.parcel
			p.Value = dec("10.00")
			if p.Items == nil {
				p.Items = []Item{shirt}
			}
			if got := GiftRefused(tc.regime, p, dec(tc.giftTotal)); got != tc.refusal {
				t.Errorf("GiftRefused = %q, want %q", got, tc.refusal)
			}
			if got := GiftApplies(tc.regime, p, dec(tc.giftTotal)); got != (tc.refusal == "") {
				t.Errorf("GiftApplies = %v, want %v", got, tc.refusal == "")
			}
			got := DecideGift(tc.regime, p, p.Value, dec(tc.giftTotal))
			reasons := tc.reasons
			if reasons == nil {
				reasons = []Reason{}
			}
			if got.Exemption != tc.exemption || !slices.Equal(got.Reasons, reasons) {
				t.Errorf("DecideGift = %q %v, want %q %v", got.Exemption, got.Reasons, tc.exemption, reasons)
			}
		})
	}
}

func TestGiftAllowanceOf(t *testing.T) {
	suspended := regimeAt(t, "2025-09-10T14:00:00Z", "us-321-suspended")
	tests := []struct {
		country string
		want    string
	}{
		{"VI", "200"}, {"GU", "200"}, {"AS", "200"}, {"as", "200"},
		{"US", "100"}, {"PR", "100"}, {"MP", "100"}, {"", "100"}, {"CN", "100"},
	}
	for _, tc := range tests {
		t.Run(tc.country, func(t *testing.T) {
			got, ok := GiftAllowance(suspended, Parcel{ShipperCountry: tc.country})
			if !ok || !got.Equal(dec(tc.want)) {
				t.Errorf("GiftAllowance = %s %v, want %s", got, ok, tc.want)
			}
		})
	}
}

// Antidumping and countervailing duty orders cover a product from a
// country: restricted_goods restricts an HTS prefix only for its origins.
func TestRestrictedGoodsByOrigin(t *testing.T) {
	table, err := ParseTable([]byte(`{
	  "restricted_everywhere": {"goods": [{"hts_prefix": "7306.30", "origins": ["CN", "VN"], "source": "an AD order"}]},
	  "regimes": [
	    {"id": "a", "start": null, "threshold": "800",
	     "restricted_goods": [{"hts_prefix": "4412", "origins": ["ID"], "source": "a CVD order"}]}
	  ]
	}`))
	if err != nil {
		t.Fatal(err)
	}
	r := table.At(utc("2020-01-01T00:00:00Z"))
	tests := []struct {
		name       string
		item       Item
		restricted bool
	}{
		{"pipe from China", Item{HTSCode: "7306.30.5028", OriginCountry: "CN"}, true},
		{"pipe from Vietnam, lower case", Item{HTSCode: "7306305028", OriginCountry: "vn"}, true},
		{"pipe from Mexico", Item{HTSCode: "7306.30.5028", OriginCountry: "MX"}, false},
		{"other tube from China", Item{HTSCode: "7306.40", OriginCountry: "CN"}, false},
		{"plywood from Indonesia", Item{HTSCode: "4412.31", OriginCountry: "ID"}, true},
		{"plywood from Canada", Item{HTSCode: "4412.31", OriginCountry: "CA"}, false},
		{"no HTS code from China", Item{OriginCountry: "CN"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := Parcel{Value: dec("10"), Items: []Item{tc.item}}
			if got := slices.Contains(Screen(r, p), ReasonRestricted); got != tc.restricted {
				t.Errorf("restricted = %v, want %v", got, tc.restricted)
			}
			copied := table.Regimes()[0]
			if got := slices.Contains(Screen(&copied, p), ReasonRestricted); got != tc.restricted {
				t.Errorf("copy: restricted = %v, want %v", got, tc.restricted)
			}
		})
	}
	if doc := r.Doc(); len(doc.RestrictedGoods) != 2 || doc.RestrictedGoods[0].HTSPrefix != "4412" {
		t.Errorf("Doc().RestrictedGoods = %+v", doc.RestrictedGoods)
	}
}

func TestParseLawFieldErrors(t *testing.T) {
	tests := []struct {
		name, json, want string
	}{
		{"goods without origins", `{"regimes": [{"id": "a", "start": null, "threshold": "800", "restricted_goods": [{"hts_prefix": "7306"}]}]}`,
			"regimes[0] (a): restricted_goods[0].origins: must name at least one country: an order covers a product from a country"},
		{"goods with a bad prefix", `{"regimes": [{"id": "a", "start": null, "threshold": "800", "restricted_goods": [{"hts_prefix": "73x", "origins": ["CN"]}]}]}`,
			"regimes[0] (a): restricted_goods[0].hts_prefix: must be 2 to 10 digits, dots allowed between them"},
		{"goods with a bad origin", `{"regimes": [{"id": "a", "start": null, "threshold": "800", "restricted_goods": [{"hts_prefix": "7306", "origins": ["CHN"]}]}]}`,
			"regimes[0] (a): restricted_goods[0].origins[0]: must be an ISO 3166-1 alpha-2 code in upper case"},
		{"goods with an unknown field", `{"regimes": [{"id": "a", "start": null, "threshold": "800", "restricted_goods": [{"hts_prefix": "7306", "origins": ["CN"], "case": "x"}]}]}`,
			"regimes[0] (a): restricted_goods[0].case: unknown field (known: hts_prefix, origins, source)"},
		{"everywhere goods without prefix", `{"restricted_everywhere": {"goods": [{"origins": ["CN"]}]}, "regimes": [{"id": "a", "start": null, "threshold": "800"}]}`,
			"restricted_everywhere.goods[0].hts_prefix: is required"},
		{"shipper allowance without allowance", `{"regimes": [{"id": "a", "start": null, "threshold": "800", "gift_allowance_by_shipper_country": {"VI": "200"}}]}`,
			"regimes[0] (a): gift_allowance_by_shipper_country: needs a gift_allowance: it replaces that allowance for the countries it names"},
		{"shipper allowance with a bad country", `{"regimes": [{"id": "a", "start": null, "threshold": "800", "gift_allowance": "100", "gift_allowance_by_shipper_country": {"vi": "200"}}]}`,
			"regimes[0] (a): gift_allowance_by_shipper_country.vi: must be an ISO 3166-1 alpha-2 code in upper case"},
		{"shipper allowance as a number", `{"regimes": [{"id": "a", "start": null, "threshold": "800", "gift_allowance": "100", "gift_allowance_by_shipper_country": {"VI": 200}}]}`,
			"regimes[0] (a): gift_allowance_by_shipper_country.VI: must be a decimal string"},
		{"shipper allowance given twice", `{"regimes": [{"id": "a", "start": null, "threshold": "800", "gift_allowance": "100", "gift_allowance_by_shipper_country": {"VI": "200", "VI": "300"}}]}`,
			"regimes[0] (a): gift_allowance_by_shipper_country.VI: appears more than once"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseTable([]byte(tc.json))
			var entryErr *EntryError
			if !errors.As(err, &entryErr) {
				t.Fatalf("err = %v, want an *EntryError", err)
			}
			if err.Error() != tc.want {
				t.Errorf("err = %q\nwant  %q", err, tc.want)
			}
		})
	}
}

// A table that uses none of the fields added for the 2026 rules keeps its
// version: the canonical form leaves them out when empty.
func TestVersionWithoutNewFields(t *testing.T) {
	plain := `{"regimes": [{"id": "a", "start": null, "threshold": "800", "gift_allowance": "100"}]}`
	withEmpty := `{"restricted_everywhere": {"goods": []}, "regimes": [{"id": "a", "start": null, "threshold": "800", "gift_allowance": "100", "restricted_goods": [], "gift_allowance_by_shipper_country": {}}]}`
	withInsular := `{"regimes": [{"id": "a", "start": null, "threshold": "800", "gift_allowance": "100", "gift_allowance_by_shipper_country": {"VI": "200"}}]}`
	a, b, c := mustParse(t, plain), mustParse(t, withEmpty), mustParse(t, withInsular)
	if a.Version() != b.Version() {
		t.Errorf("empty new fields changed the version: %s, %s", a.Version(), b.Version())
	}
	if a.Version() == c.Version() {
		t.Errorf("an insular allowance did not change the version")
	}
}

func mustParse(t *testing.T, text string) *Table {
	t.Helper()
	table, err := ParseTable([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return table
}
