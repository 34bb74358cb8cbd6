package decide

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

func mustParseFile(t *testing.T, name string) *Table {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	table, err := ParseTable(data)
	if err != nil {
		t.Fatalf("ParseTable(%s): %v", name, err)
	}
	return table
}

func utc(text string) time.Time {
	instant, err := time.Parse(time.RFC3339, text)
	if err != nil {
		panic(err)
	}
	return instant
}

func TestBuiltinParses(t *testing.T) {
	table, err := ParseTable(BuiltinJSON())
	if err != nil {
		t.Fatalf("built-in regimes.json: %v", err)
	}
	if got, want := table.Version(), Builtin().Version(); got != want {
		t.Errorf("Version of a fresh parse = %s, Builtin().Version() = %s", got, want)
	}
	if len(table.Version()) != 16 {
		t.Errorf("Version() = %q, want 16 hex characters", table.Version())
	}
	for _, r := range table.Regimes() {
		if r.Source == "" {
			t.Errorf("regime %s from %s has no source", r.ID, r.Start)
		}
	}
}

// The built-in table, written out independently of regimes.json: changing the
// file without changing this list fails the test.
func TestBuiltinTable(t *testing.T) {
	type want struct {
		id        string
		start     string // RFC 3339, empty for the open first entry
		threshold string // empty for none
		excluded  []string
		informal  string
	}
	wants := []want{
		{"us-321-200", "", "200", nil, "2000"},
		{"us-321-200", "2013-01-07T05:00:00Z", "200", nil, "2500"},
		{"us-321-800", "2016-03-10T05:01:00Z", "800", nil, "2500"},
		{"us-321-800-cn-hk-excluded", "2025-02-04T05:01:00Z", "800", []string{"CN", "HK"}, "2500"},
		{"us-321-800", "2025-02-07T05:00:00Z", "800", nil, "2500"},
		{"us-321-800-cn-hk-excluded", "2025-05-02T04:01:00Z", "800", []string{"CN", "HK"}, "2500"},
		{"us-321-suspended", "2025-08-29T04:01:00Z", "", nil, "2500"},
		{"us-321-repealed", "2027-07-01T04:00:00Z", "", nil, "2500"},
	}
	regimes := Builtin().Regimes()
	if len(regimes) != len(wants) {
		t.Fatalf("built-in table has %d regimes, want %d", len(regimes), len(wants))
	}
	for i, w := range wants {
		r := regimes[i]
		t.Run(w.id+"@"+w.start, func(t *testing.T) {
			if r.ID != w.id {
				t.Errorf("ID = %q, want %q", r.ID, w.id)
			}
			if w.start == "" {
				if !r.Start.IsZero() {
					t.Errorf("Start = %s, want zero (open)", r.Start)
				}
			} else if !r.Start.Equal(utc(w.start)) {
				t.Errorf("Start = %s, want %s", r.Start, w.start)
			}
			if got := r.HasThreshold; got != (w.threshold != "") {
				t.Errorf("HasThreshold = %v", got)
			}
			if w.threshold != "" && !r.Threshold.Equal(decimal.RequireFromString(w.threshold)) {
				t.Errorf("Threshold = %s, want %s", r.Threshold, w.threshold)
			}
			if r.Basis != BasisRecipientDay {
				t.Errorf("Basis = %q", r.Basis)
			}
			if !r.InformalEntryLimit.Equal(decimal.RequireFromString(w.informal)) {
				t.Errorf("InformalEntryLimit = %s, want %s", r.InformalEntryLimit, w.informal)
			}
			if r.Source == "" {
				t.Error("Source is empty")
			}
			wantInsular := []ShipperAllowance{{"VI", dec("200")}, {"GU", dec("200")}, {"AS", dec("200")}}
			if !slices.EqualFunc(r.GiftAllowanceByShipperCountry, wantInsular, func(a, b ShipperAllowance) bool {
				return a.Country == b.Country && a.Allowance.Equal(b.Allowance)
			}) {
				t.Errorf("GiftAllowanceByShipperCountry = %v, want %v", r.GiftAllowanceByShipperCountry, wantInsular)
			}
			if !slices.Equal(r.ExcludedOrigins, w.excluded) {
				t.Errorf("ExcludedOrigins = %v, want %v", r.ExcludedOrigins, w.excluded)
			}
			wantPrefixes := []string{"2203", "2204", "2205", "2206", "2207", "2208", "24", "4813", "33030030", "93", "9507", "95069905"}
			if !slices.Equal(r.RestrictedHTSPrefixes, wantPrefixes) {
				t.Errorf("RestrictedHTSPrefixes = %v, want %v", r.RestrictedHTSPrefixes, wantPrefixes)
			}
			wantCategories := []string{"alcohol", "tobacco", "firearms"}
			if !slices.Equal(r.RestrictedCategories, wantCategories) {
				t.Errorf("RestrictedCategories = %v, want %v", r.RestrictedCategories, wantCategories)
			}
		})
	}
}

func TestBuiltinAt(t *testing.T) {
	newYork, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		instant time.Time
		wantID  string
	}{
		{"zero time", time.Time{}, "us-321-200"},
		{"long ago", utc("1994-01-01T00:00:00Z"), "us-321-200"},
		{"CBP Dec. 12-19 one second before", utc("2013-01-07T04:59:59Z"), "us-321-200"},
		{"CBP Dec. 12-19 at start", utc("2013-01-07T05:00:00Z"), "us-321-200"},
		{"TFTEA one second before", utc("2016-03-10T05:00:59Z"), "us-321-200"},
		{"TFTEA at start", utc("2016-03-10T05:01:00Z"), "us-321-800"},
		{"EO 14195 one second before", utc("2025-02-04T05:00:59Z"), "us-321-800"},
		{"EO 14195 at start", utc("2025-02-04T05:01:00Z"), "us-321-800-cn-hk-excluded"},
		{"EO 14200 one second before", utc("2025-02-07T04:59:59Z"), "us-321-800-cn-hk-excluded"},
		{"EO 14200 at start", utc("2025-02-07T05:00:00Z"), "us-321-800"},
		{"EO 14256 one second before", utc("2025-05-02T04:00:59Z"), "us-321-800"},
		{"EO 14256 at start", utc("2025-05-02T04:01:00Z"), "us-321-800-cn-hk-excluded"},
		{"EO 14324 one second before", utc("2025-08-29T04:00:59Z"), "us-321-800-cn-hk-excluded"},
		{"EO 14324 one nanosecond before", utc("2025-08-29T04:01:00Z").Add(-time.Nanosecond), "us-321-800-cn-hk-excluded"},
		{"EO 14324 at start", utc("2025-08-29T04:01:00Z"), "us-321-suspended"},
		{"EO 14324 at 12:01 a.m. EDT", time.Date(2025, 8, 29, 0, 1, 0, 0, newYork), "us-321-suspended"},
		{"EO 14324 at 12:00:59 a.m. EDT", time.Date(2025, 8, 29, 0, 0, 59, 0, newYork), "us-321-800-cn-hk-excluded"},
		{"suspension in 2026", utc("2026-11-25T07:00:00Z"), "us-321-suspended"},
		{"repeal one second before", utc("2027-07-01T03:59:59Z"), "us-321-suspended"},
		{"repeal at start", utc("2027-07-01T04:00:00Z"), "us-321-repealed"},
		{"repeal at midnight EDT", time.Date(2027, 7, 1, 0, 0, 0, 0, newYork), "us-321-repealed"},
		{"far future", utc("2100-01-01T00:00:00Z"), "us-321-repealed"},
	}
	table := Builtin()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := table.At(tc.instant)
			if r == nil {
				t.Fatalf("At(%s) = nil, want %s", tc.instant, tc.wantID)
			}
			if r.ID != tc.wantID {
				t.Errorf("At(%s).ID = %q, want %q", tc.instant, r.ID, tc.wantID)
			}
		})
	}
}

func TestAtBeforeFirstStart(t *testing.T) {
	table := mustParseFile(t, "shipment.json")
	tests := []struct {
		name    string
		instant time.Time
		wantID  string // empty: nil
	}{
		{"zero time", time.Time{}, ""},
		{"one second before", utc("2021-06-30T23:59:59Z"), ""},
		{"at start", utc("2021-07-01T00:00:00Z"), "xx-shipment-150"},
		{"after", utc("2030-01-01T00:00:00Z"), "xx-shipment-150"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := table.At(tc.instant)
			switch {
			case tc.wantID == "" && r != nil:
				t.Errorf("At(%s) = %s, want nil", tc.instant, r.ID)
			case tc.wantID != "" && (r == nil || r.ID != tc.wantID):
				t.Errorf("At(%s) = %v, want %s", tc.instant, r, tc.wantID)
			}
		})
	}
}

func TestParseTableValid(t *testing.T) {
	table := mustParseFile(t, "valid.json")
	regimes := table.Regimes()
	if len(regimes) != 4 {
		t.Fatalf("got %d regimes, want 4", len(regimes))
	}
	d := regimes[3]
	if d.HasThreshold || !d.Threshold.IsZero() {
		t.Errorf("us-d: HasThreshold = %v, Threshold = %s; want none", d.HasThreshold, d.Threshold)
	}
	c := regimes[2]
	if !slices.Equal(c.RestrictedHTSPrefixes, []string{"2203", "24"}) || !slices.Equal(c.RestrictedCategories, []string{"alcohol"}) {
		t.Errorf("us-c restrictions = %v %v, want restricted_everywhere's", c.RestrictedHTSPrefixes, c.RestrictedCategories)
	}
	if c.Basis != BasisRecipientDay || !c.InformalEntryLimit.Equal(decimal.NewFromInt(2500)) {
		t.Errorf("us-c defaults: basis %q, informal limit %s", c.Basis, c.InformalEntryLimit)
	}

	ship := mustParseFile(t, "shipment.json").Regimes()[0]
	if ship.Basis != BasisShipment || !ship.InformalEntryLimit.Equal(decimal.NewFromInt(1000)) ||
		!ship.Threshold.Equal(decimal.NewFromInt(150)) || !slices.Equal(ship.RestrictedHTSPrefixes, []string{"8703"}) {
		t.Errorf("shipment regime = %+v", ship)
	}
}

func TestRegimesReturnsCopy(t *testing.T) {
	table := mustParseFile(t, "valid.json")
	first := table.Regimes()
	first[2].ExcludedOrigins[0] = "US"
	first[2].ID = "changed"
	second := table.Regimes()
	if second[2].ID != "us-c" || second[2].ExcludedOrigins[0] != "CN" {
		t.Errorf("changing the result of Regimes changed the table: %+v", second[2])
	}
}

func TestParseTableErrors(t *testing.T) {
	tests := []struct {
		file    string
		index   int
		id      string
		field   string
		message string
	}{
		{"unknown_field.json", 3, "us-d", "thresold", "regimes[3] (us-d): thresold: unknown field"},
		{"threshold_three_places.json", 1, "us-b", "threshold", "regimes[1] (us-b): threshold: must be a decimal with at most 2 places"},
		{"threshold_negative.json", 2, "us-c", "threshold", "regimes[2] (us-c): threshold: must not be negative"},
		{"threshold_number.json", 1, "us-b", "threshold", "regimes[1] (us-b): threshold: must be a decimal string or null"},
		{"threshold_missing.json", 1, "us-b", "threshold", "regimes[1] (us-b): threshold: is required (null means no de minimis)"},
		{"starts_out_of_order.json", 2, "us-b", "start", "regimes[2] (us-b): start: must be after the start of regimes[1]"},
		{"starts_equal.json", 2, "us-b2", "start", "regimes[2] (us-b2): start: must be after the start of regimes[1]"},
		{"null_start_not_first.json", 2, "us-c", "start", "regimes[2] (us-c): start: must not be null except in the first entry"},
		{"start_without_offset.json", 1, "us-b", "start", "regimes[1] (us-b): start: must be an RFC 3339 instant with an offset"},
		{"start_missing.json", 1, "us-b", "start", "regimes[1] (us-b): start: is required (null opens the first entry towards the past)"},
		{"bad_country.json", 2, "us-c", "excluded_origins[1]", "regimes[2] (us-c): excluded_origins[1]: must be an ISO 3166-1 alpha-2 code in upper case"},
		{"country_alpha3.json", 1, "us-b", "excluded_origins[0]", "regimes[1] (us-b): excluded_origins[0]: must be an ISO 3166-1 alpha-2 code in upper case"},
		{"bad_basis.json", 1, "us-b", "basis", `regimes[1] (us-b): basis: must be "recipient_day" or "shipment"`},
		{"bad_informal_limit.json", 1, "us-b", "informal_entry_limit", "regimes[1] (us-b): informal_entry_limit: must be a decimal with at most 2 places"},
		{"bad_hts_prefix.json", 1, "us-b", "restricted_hts_prefixes[1]", "regimes[1] (us-b): restricted_hts_prefixes[1]: must be 2 to 10 digits, dots allowed between them"},
		{"bad_category.json", 1, "us-b", "restricted_categories[0]", "regimes[1] (us-b): restricted_categories[0]: must be one of alcohol, tobacco, firearms, hazmat"},
		{"empty_id.json", 1, " ", "id", "regimes[1] ( ): id: must not be empty"},
		{"duplicate_field.json", 1, "us-b", "threshold", "regimes[1] (us-b): threshold: appears more than once"},
		{"everywhere_unknown_field.json", -1, "", "restricted_everywhere.origins", "restricted_everywhere.origins: unknown field"},
		{"everywhere_bad_prefix.json", -1, "", "restricted_everywhere.hts_prefixes[1]", "restricted_everywhere.hts_prefixes[1]: must be 2 to 10 digits, dots allowed between them"},
		{"everywhere_repeated.json", -1, "", "restricted_everywhere.categories", "restricted_everywhere.categories: appears more than once"},
		{"top_repeated.json", -1, "", "regimes", "regimes: appears more than once"},
		{"top_unknown_field.json", -1, "", "version", "version: unknown field"},
		{"regimes_empty.json", -1, "", "regimes", "regimes: must not be empty"},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			table, err := ParseTable(data)
			if err == nil {
				t.Fatalf("ParseTable succeeded with %d regimes, want an error", len(table.Regimes()))
			}
			if err.Error() != tc.message {
				t.Errorf("error = %q\n      want %q", err, tc.message)
			}
			var entryErr *EntryError
			if !errors.As(err, &entryErr) {
				t.Fatalf("error %v is not an *EntryError", err)
			}
			if entryErr.Index != tc.index || entryErr.ID != tc.id || entryErr.Field != tc.field {
				t.Errorf("EntryError = %+v, want index %d, id %q, field %q", *entryErr, tc.index, tc.id, tc.field)
			}
		})
	}
}

// Files that are not one JSON object fail without an *EntryError.
func TestParseTableSyntaxErrors(t *testing.T) {
	tests := []struct {
		name string
		data string
		want string
	}{
		{"trailing data", mustRead(t, "trailing_data.json"), "regime table: unexpected data after the object"},
		{"trailing comma", mustRead(t, "not_json.json"), "regime table: invalid character ']' looking for beginning of value"},
		{"empty", "", "regime table: EOF"},
		{"array", "[]", "regime table: must be an object"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseTable([]byte(tc.data))
			if err == nil {
				t.Fatal("ParseTable succeeded, want an error")
			}
			if err.Error() != tc.want {
				t.Errorf("error = %q, want %q", err, tc.want)
			}
		})
	}
}

func mustRead(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestVersion(t *testing.T) {
	base := mustRead(t, "valid.json")
	baseVersion := mustParseFile(t, "valid.json").Version()

	var compact, indented bytes.Buffer
	if err := json.Compact(&compact, []byte(base)); err != nil {
		t.Fatal(err)
	}
	if err := json.Indent(&indented, []byte(base), "", "\t\t"); err != nil {
		t.Fatal(err)
	}
	var builtinCompact bytes.Buffer
	if err := json.Compact(&builtinCompact, BuiltinJSON()); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name     string
		data     string
		wantSame bool
	}{
		{"compacted", compact.String(), true},
		{"re-indented", indented.String(), true},
		{"other key order, 200.00, defaults written, start with an offset", mustRead(t, "valid_relaid.json"), true},
		{"threshold 800 to 801", strings.Replace(base, `"800"`, `"801"`, 1), false},
		{"threshold to null", strings.Replace(base, `"threshold": "200"`, `"threshold": null`, 1), false},
		{"start one second later", strings.Replace(base, "2016-03-10T05:01:00Z", "2016-03-10T05:01:01Z", 1), false},
		{"other source", strings.Replace(base, `"source": "b"`, `"source": "B"`, 1), false},
		{"other id", strings.Replace(base, `"us-b"`, `"us-bb"`, 1), false},
		{"origin added", strings.Replace(base, `["CN", "HK"]`, `["CN", "HK", "MO"]`, 1), false},
		{"basis shipment", strings.Replace(base, `"source": "a"`, `"source": "a", "basis": "shipment"`, 1), false},
		{"informal limit", strings.Replace(base, `"source": "a"`, `"source": "a", "informal_entry_limit": "2000"`, 1), false},
		{"prefix added everywhere", strings.Replace(base, `"24"]`, `"24", "93"]`, 1), false},
		{"category added", strings.Replace(base, `["alcohol"]`, `["alcohol", "hazmat"]`, 1), false},
		{"the built-in table", builtinCompact.String(), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.data == base {
				t.Fatal("the variant is the base file itself; the replacement did not apply")
			}
			table, err := ParseTable([]byte(tc.data))
			if err != nil {
				t.Fatalf("ParseTable: %v", err)
			}
			got := table.Version()
			if len(got) != 16 || strings.Trim(got, "0123456789abcdef") != "" {
				t.Errorf("Version() = %q, want 16 lower-case hex characters", got)
			}
			if same := got == baseVersion; same != tc.wantSame {
				t.Errorf("Version() = %s, base %s; same = %v, want %v", got, baseVersion, same, tc.wantSame)
			}
		})
	}
}

func TestEntryErrorWithoutID(t *testing.T) {
	err := &EntryError{Index: 0, Field: "id", Rule: "is required"}
	if got, want := err.Error(), "regimes[0]: id: is required"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}
