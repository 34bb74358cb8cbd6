package decide

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/shopspring/decimal"
)

//go:embed regimes.json
var builtinJSON string

// Basis says what a regime's threshold is measured against.
type Basis string

const (
	// BasisRecipientDay measures the threshold against everything one person
	// receives in one day (19 U.S.C. 1321, 19 CFR 10.151), so parcels of the
	// same recipient and entry date add up.
	BasisRecipientDay Basis = "recipient_day"
	// BasisShipment measures the threshold against each shipment alone, as
	// some other jurisdictions do; the day total never refuses a parcel.
	BasisShipment Basis = "shipment"
)

// defaultInformalEntryLimit is the informal-entry limit of a regime that
// does not give one: $2,500 (19 CFR 143.21(a)).
var defaultInformalEntryLimit = decimal.NewFromInt(2500)

// restrictedCategoryNames are the item categories a regime may restrict:
// the ones manifest.v1 accepts. A name outside this set could never match an
// item, so a table that uses one is refused rather than silently ineffective.
var restrictedCategoryNames = []string{"alcohol", "tobacco", "firearms", "hazmat"}

// Regime is one entry of a regime table: the de minimis rule in force from
// Start until the next entry's Start. A *Regime returned by a Table is shared
// and must not be modified.
type Regime struct {
	// ID names the regime in decisions, e.g. "us-321-800". Several entries
	// of one table may carry the same ID when a rule comes back.
	ID string
	// Start is the first instant (inclusive) the regime is in force, in UTC;
	// the zero time for a first entry open towards the past.
	Start time.Time
	// Threshold is the de minimis threshold in USD; zero when HasThreshold
	// is false.
	Threshold decimal.Decimal
	// HasThreshold is false when the regime grants no de minimis at all
	// (suspended or repealed).
	HasThreshold bool
	// Basis says whether Threshold applies per recipient and day or per
	// shipment.
	Basis Basis
	// InformalEntryLimit is the highest value, in USD, a refused parcel may
	// enter under an informal entry; above it a formal entry is needed.
	InformalEntryLimit decimal.Decimal
	// GiftAllowance is the aggregate value of bona fide gifts one recipient
	// may receive free in one day (19 U.S.C. 1321(a)(2)(A), 19 CFR 10.152);
	// zero when HasGiftAllowance is false. It is a separate allowance from
	// the de minimis threshold and may outlive it (EO 14324 kept it).
	GiftAllowance    decimal.Decimal
	HasGiftAllowance bool
	// GiftAllowanceByShipperCountry replaces GiftAllowance for gifts sent
	// from the countries it names: $200 from the U.S. Virgin Islands, Guam
	// and American Samoa (19 U.S.C. 1321(a)(2)(A)). It applies only where
	// HasGiftAllowance is true. Countries are upper case, each once.
	GiftAllowanceByShipperCountry []ShipperAllowance
	// ExcludedOrigins are the ISO 3166-1 alpha-2 countries (upper case)
	// whose goods get no de minimis under this regime.
	ExcludedOrigins []string
	// RestrictedHTSPrefixes are the HTS code prefixes, digits only, whose
	// goods get no de minimis: the table's restricted_everywhere list
	// followed by the regime's own.
	RestrictedHTSPrefixes []string
	// RestrictedCategories are the item categories that get no de minimis:
	// the table's restricted_everywhere list followed by the regime's own.
	RestrictedCategories []string
	// RestrictedGoods are products of given origins that get no de
	// minimis, as an antidumping or countervailing duty order names a
	// product from a country: the table's restricted_everywhere list
	// followed by the regime's own.
	RestrictedGoods []Goods
	// Source cites the law or order the regime comes from.
	Source string

	// openStart is true for a first entry with a null start; Start is then
	// the zero time, which At must not compare against.
	openStart bool
	// restrictedHTS holds RestrictedHTSPrefixes for matching an item's code
	// in one pass without allocating.
	restrictedHTS prefixTrie
}

// ShipperAllowance is the gift allowance for gifts sent from one country.
type ShipperAllowance struct {
	Country   string // ISO 3166-1 alpha-2, upper case
	Allowance decimal.Decimal
}

// Goods is a product of given origins that gets no de minimis: an item
// whose HTS code starts with HTSPrefix and whose origin is one of Origins.
type Goods struct {
	HTSPrefix string   // digits only
	Origins   []string // ISO 3166-1 alpha-2, upper case, at least one
	Source    string   // the order or case that names the goods
}

// Table is a parsed, validated regime table: entries in strictly increasing
// start order. A Table is immutable and safe for concurrent use.
type Table struct {
	regimes []Regime
	version string
}

// EntryError is a regime table that breaks a rule: which entry, which
// field, which rule.
type EntryError struct {
	// Index is the position of the entry in "regimes", or -1 when the error
	// is outside that list (then Field is a path from the top level).
	Index int
	// ID is the entry's id when it could be read, else empty.
	ID string
	// Field is the field that breaks the rule, e.g. "threshold" or
	// "excluded_origins[1]"; empty when the rule is about the whole entry.
	Field string
	// Rule says what the field must be.
	Rule string
}

// Error returns e.g.
// "regimes[3] (us-321-800): threshold: must be a decimal with at most 2 places".
func (e *EntryError) Error() string {
	var b strings.Builder
	if e.Index >= 0 {
		b.WriteString("regimes[")
		b.WriteString(strconv.Itoa(e.Index))
		b.WriteString("]")
		if e.ID != "" {
			b.WriteString(" (")
			b.WriteString(e.ID)
			b.WriteString(")")
		}
		b.WriteString(": ")
	}
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Rule)
	return b.String()
}

var builtinTable = sync.OnceValue(func() *Table {
	table, err := ParseTable([]byte(builtinJSON))
	if err != nil {
		// The embedded file is part of the program; TestBuiltinParses keeps
		// this from ever happening in a build that passed its tests.
		panic("decide: built-in regimes.json: " + err.Error())
	}
	return table
})

// Builtin returns the built-in United States regime table, parsed once.
func Builtin() *Table { return builtinTable() }

// BuiltinJSON returns a copy of the built-in regime table as the JSON file
// it is parsed from.
func BuiltinJSON() []byte { return []byte(builtinJSON) }

// At returns the regime in force at instant: the last entry whose start is
// at or before it. It returns nil for an instant before the first entry's
// start (never when the first entry is open towards the past).
func (t *Table) At(instant time.Time) *Regime {
	// Find the first entry that starts after instant; the one before it is
	// in force. Starts are strictly increasing, so this is monotone.
	low, high := 0, len(t.regimes)
	for low < high {
		mid := int(uint(low+high) >> 1)
		if startsAfter(&t.regimes[mid], instant) {
			high = mid
		} else {
			low = mid + 1
		}
	}
	if low == 0 {
		return nil
	}
	return &t.regimes[low-1]
}

func startsAfter(r *Regime, instant time.Time) bool {
	return !r.openStart && r.Start.After(instant)
}

// Regimes returns a copy of the table's entries, in start order. A copy may
// be changed (for a what-if, say) and passed to Decide, which then follows
// its exported fields.
func (t *Table) Regimes() []Regime {
	out := make([]Regime, len(t.regimes))
	for i, r := range t.regimes {
		// The matcher was built from the table's prefixes; drop it so a
		// changed copy is matched by its own RestrictedHTSPrefixes.
		r.restrictedHTS = prefixTrie{}
		r.ExcludedOrigins = slices.Clone(r.ExcludedOrigins)
		r.RestrictedHTSPrefixes = slices.Clone(r.RestrictedHTSPrefixes)
		r.RestrictedCategories = slices.Clone(r.RestrictedCategories)
		r.GiftAllowanceByShipperCountry = slices.Clone(r.GiftAllowanceByShipperCountry)
		r.RestrictedGoods = slices.Clone(r.RestrictedGoods)
		for j := range r.RestrictedGoods {
			r.RestrictedGoods[j].Origins = slices.Clone(r.RestrictedGoods[j].Origins)
		}
		out[i] = r
	}
	return out
}

// Version returns 16 hex characters of the SHA-256 of the table's canonical
// form: the same for two files that differ only in layout, key order,
// list order or how a number is written ("800" and "800.00"), different
// when any entry's meaning or source differs.
func (t *Table) Version() string { return t.version }

// rawField is one member of a JSON object, in file order.
type rawField struct {
	name  string
	value json.RawMessage
}

// ParseTable parses and validates a regime table. Unknown or repeated
// fields are errors. A rule broken by an entry is returned as *EntryError.
func ParseTable(data []byte) (*Table, error) {
	top, err := decodeObject(data)
	if err != nil {
		return nil, fmt.Errorf("regime table: %w", err)
	}
	if name := repeatedField(top); name != "" {
		return nil, &EntryError{Index: -1, Field: name, Rule: "appears more than once"}
	}
	var everywhereRaw, regimesRaw json.RawMessage
	for _, f := range top {
		switch f.name {
		case "restricted_everywhere":
			everywhereRaw = f.value
		case "regimes":
			regimesRaw = f.value
		default:
			return nil, &EntryError{Index: -1, Field: f.name, Rule: "unknown field"}
		}
	}

	everywhere, err := parseEverywhere(everywhereRaw)
	if err != nil {
		return nil, err
	}

	var entries []json.RawMessage
	if regimesRaw == nil {
		return nil, &EntryError{Index: -1, Field: "regimes", Rule: "is required"}
	}
	if err := json.Unmarshal(regimesRaw, &entries); err != nil {
		return nil, &EntryError{Index: -1, Field: "regimes", Rule: "must be an array"}
	}
	if len(entries) == 0 {
		return nil, &EntryError{Index: -1, Field: "regimes", Rule: "must not be empty"}
	}

	table := &Table{regimes: make([]Regime, 0, len(entries))}
	for i, raw := range entries {
		r, err := parseRegime(i, raw, everywhere)
		if err != nil {
			return nil, err
		}
		if i > 0 {
			if r.openStart {
				return nil, &EntryError{Index: i, ID: r.ID, Field: "start", Rule: "must not be null except in the first entry"}
			}
			prev := &table.regimes[i-1]
			if !prev.openStart && !r.Start.After(prev.Start) {
				return nil, &EntryError{Index: i, ID: r.ID, Field: "start", Rule: "must be after the start of regimes[" + strconv.Itoa(i-1) + "]"}
			}
		}
		table.regimes = append(table.regimes, r)
	}
	table.version = canonicalVersion(table.regimes)
	return table, nil
}

// restrictions are the lists of restricted_everywhere, already validated.
type restrictions struct {
	htsPrefixes []string // digits only
	categories  []string
	goods       []Goods
}

func parseEverywhere(raw json.RawMessage) (restrictions, error) {
	var out restrictions
	if raw == nil || isNull(raw) {
		return out, nil
	}
	fieldErr := func(field, rule string) error {
		return &EntryError{Index: -1, Field: "restricted_everywhere" + field, Rule: rule}
	}
	fields, err := decodeObject(raw)
	if err != nil {
		return out, fieldErr("", err.Error())
	}
	if name := repeatedField(fields); name != "" {
		return out, fieldErr("."+name, "appears more than once")
	}
	for _, f := range fields {
		switch f.name {
		case "hts_prefixes":
			out.htsPrefixes, err = parseHTSPrefixes(f.value, func(field, rule string) error {
				return fieldErr(".hts_prefixes"+field, rule)
			})
		case "categories":
			out.categories, err = parseCategories(f.value, func(field, rule string) error {
				return fieldErr(".categories"+field, rule)
			})
		case "goods":
			out.goods, err = parseGoods(f.value, func(field, rule string) error {
				return fieldErr(".goods"+field, rule)
			})
		default:
			err = fieldErr("."+f.name, "unknown field")
		}
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// regimeFields are the fields an entry may have.
var regimeFields = []string{
	"id", "start", "threshold", "basis", "informal_entry_limit", "gift_allowance",
	"gift_allowance_by_shipper_country", "excluded_origins", "restricted_hts_prefixes",
	"restricted_categories", "restricted_goods", "source",
}

func parseRegime(index int, raw json.RawMessage, everywhere restrictions) (Regime, error) {
	r := Regime{Basis: BasisRecipientDay, InformalEntryLimit: defaultInformalEntryLimit}
	entryErr := func(field, rule string) error {
		return &EntryError{Index: index, ID: r.ID, Field: field, Rule: rule}
	}
	fields, err := decodeObject(raw)
	if err != nil {
		return r, entryErr("", err.Error())
	}
	values := make(map[string]json.RawMessage, len(fields))
	for _, f := range slices.Backward(fields) {
		values[f.name] = f.value // the first of repeated fields, for the id
	}

	// Read the id first so every later error can name the entry.
	if v, ok := values["id"]; !ok {
		return r, entryErr("id", "is required")
	} else if err := json.Unmarshal(v, &r.ID); err != nil || isNull(v) {
		return r, entryErr("id", "must be a string")
	} else if strings.TrimSpace(r.ID) == "" {
		return r, entryErr("id", "must not be empty")
	}
	if name := repeatedField(fields); name != "" {
		return r, entryErr(name, "appears more than once")
	}
	for _, f := range fields {
		if !slices.Contains(regimeFields, f.name) {
			return r, entryErr(f.name, "unknown field")
		}
	}

	// start: required; null only in the first entry (checked by the caller,
	// which knows the neighbours).
	startRaw, ok := values["start"]
	if !ok {
		return r, entryErr("start", "is required (null opens the first entry towards the past)")
	}
	if isNull(startRaw) {
		r.openStart = true
	} else {
		var text string
		if err := json.Unmarshal(startRaw, &text); err != nil {
			return r, entryErr("start", "must be a string or null")
		}
		start, err := time.Parse(time.RFC3339Nano, text)
		if err != nil {
			return r, entryErr("start", "must be an RFC 3339 instant with an offset")
		}
		r.Start = start.UTC()
	}

	// threshold: required, so that leaving it out never suspends de minimis
	// by accident; null means there is none.
	thresholdRaw, ok := values["threshold"]
	if !ok {
		return r, entryErr("threshold", "is required (null means no de minimis)")
	}
	if !isNull(thresholdRaw) {
		var text string
		if err := json.Unmarshal(thresholdRaw, &text); err != nil {
			return r, entryErr("threshold", "must be a decimal string or null")
		}
		threshold, rule := parseMoney(text)
		if rule != "" {
			return r, entryErr("threshold", rule)
		}
		r.Threshold, r.HasThreshold = threshold, true
	}

	if v, ok := values["basis"]; ok && !isNull(v) {
		var text string
		if err := json.Unmarshal(v, &text); err != nil {
			return r, entryErr("basis", "must be a string")
		}
		switch Basis(text) {
		case BasisRecipientDay, BasisShipment:
			r.Basis = Basis(text)
		default:
			return r, entryErr("basis", `must be "recipient_day" or "shipment"`)
		}
	}

	if v, ok := values["informal_entry_limit"]; ok && !isNull(v) {
		var text string
		if err := json.Unmarshal(v, &text); err != nil {
			return r, entryErr("informal_entry_limit", "must be a decimal string")
		}
		limit, rule := parseMoney(text)
		if rule != "" {
			return r, entryErr("informal_entry_limit", rule)
		}
		r.InformalEntryLimit = limit
	}

	if v, ok := values["gift_allowance"]; ok && !isNull(v) {
		var text string
		if err := json.Unmarshal(v, &text); err != nil {
			return r, entryErr("gift_allowance", "must be a decimal string or null")
		}
		allowance, rule := parseMoney(text)
		if rule != "" {
			return r, entryErr("gift_allowance", rule)
		}
		r.GiftAllowance, r.HasGiftAllowance = allowance, true
	}

	if v, ok := values["gift_allowance_by_shipper_country"]; ok && !isNull(v) {
		if r.GiftAllowanceByShipperCountry, err = parseShipperAllowances(v, func(field, rule string) error {
			return entryErr("gift_allowance_by_shipper_country"+field, rule)
		}); err != nil {
			return r, err
		}
		if !r.HasGiftAllowance && len(r.GiftAllowanceByShipperCountry) > 0 {
			return r, entryErr("gift_allowance_by_shipper_country", "needs a gift_allowance: it replaces that allowance for the countries it names")
		}
	}

	if v, ok := values["excluded_origins"]; ok {
		origins, err := parseStrings(v, func(field, rule string) error {
			return entryErr("excluded_origins"+field, rule)
		})
		if err != nil {
			return r, err
		}
		for i, country := range origins {
			if !isCountryCode(country) {
				return r, entryErr("excluded_origins["+strconv.Itoa(i)+"]", "must be an ISO 3166-1 alpha-2 code in upper case")
			}
		}
		r.ExcludedOrigins = dedupe(nil, origins)
	}

	var ownPrefixes, ownCategories []string
	if v, ok := values["restricted_hts_prefixes"]; ok {
		if ownPrefixes, err = parseHTSPrefixes(v, func(field, rule string) error {
			return entryErr("restricted_hts_prefixes"+field, rule)
		}); err != nil {
			return r, err
		}
	}
	if v, ok := values["restricted_categories"]; ok {
		if ownCategories, err = parseCategories(v, func(field, rule string) error {
			return entryErr("restricted_categories"+field, rule)
		}); err != nil {
			return r, err
		}
	}
	var ownGoods []Goods
	if v, ok := values["restricted_goods"]; ok {
		if ownGoods, err = parseGoods(v, func(field, rule string) error {
			return entryErr("restricted_goods"+field, rule)
		}); err != nil {
			return r, err
		}
	}
	r.RestrictedGoods = append(slices.Clone(everywhere.goods), ownGoods...)
	r.RestrictedHTSPrefixes = dedupe(dedupe(nil, everywhere.htsPrefixes), ownPrefixes)
	r.RestrictedCategories = dedupe(dedupe(nil, everywhere.categories), ownCategories)
	r.restrictedHTS = newPrefixTrie(r.RestrictedHTSPrefixes)

	if v, ok := values["source"]; ok && !isNull(v) {
		if err := json.Unmarshal(v, &r.Source); err != nil {
			return r, entryErr("source", "must be a string")
		}
	}
	return r, nil
}

// parseMoney parses a non-negative decimal with at most 2 places, written
// as digits with an optional point ("800", "800.5", "800.00"). It returns the
// broken rule instead of an error so the caller can name the field.
func parseMoney(text string) (decimal.Decimal, string) {
	const rule = "must be a decimal with at most 2 places"
	if rest, negative := strings.CutPrefix(text, "-"); negative {
		if isPlainDecimal(rest) {
			return decimal.Decimal{}, "must not be negative"
		}
		return decimal.Decimal{}, rule
	}
	if !isPlainDecimal(text) {
		return decimal.Decimal{}, rule
	}
	value, err := decimal.NewFromString(text)
	if err != nil {
		return decimal.Decimal{}, rule
	}
	return value, ""
}

// isPlainDecimal reports whether text is 1 to 15 digits, then optionally a
// point and 1 or 2 digits.
func isPlainDecimal(text string) bool {
	whole, fraction, hasPoint := strings.Cut(text, ".")
	if len(whole) == 0 || len(whole) > 15 || !allDigits(whole) {
		return false
	}
	if hasPoint && (len(fraction) == 0 || len(fraction) > 2 || !allDigits(fraction)) {
		return false
	}
	return true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isCountryCode(s string) bool {
	return len(s) == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z'
}

// parseHTSPrefixes reads a list of HTS prefixes ("3303.00.30") and returns
// them as digits only ("33030030").
func parseHTSPrefixes(raw json.RawMessage, fieldErr func(field, rule string) error) ([]string, error) {
	list, err := parseStrings(raw, fieldErr)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(list))
	for i, prefix := range list {
		digits := strings.ReplaceAll(prefix, ".", "")
		if len(digits) < 2 || len(digits) > 10 || !allDigits(digits) ||
			strings.HasPrefix(prefix, ".") || strings.HasSuffix(prefix, ".") {
			return nil, fieldErr("["+strconv.Itoa(i)+"]", "must be 2 to 10 digits, dots allowed between them")
		}
		out = append(out, digits)
	}
	return out, nil
}

func parseCategories(raw json.RawMessage, fieldErr func(field, rule string) error) ([]string, error) {
	list, err := parseStrings(raw, fieldErr)
	if err != nil {
		return nil, err
	}
	for i, category := range list {
		if !slices.Contains(restrictedCategoryNames, category) {
			return nil, fieldErr("["+strconv.Itoa(i)+"]", "must be one of "+strings.Join(restrictedCategoryNames, ", "))
		}
	}
	return list, nil
}

// parseShipperAllowances reads {"VI": "200", ...}: an allowance for each
// country named.
func parseShipperAllowances(raw json.RawMessage, fieldErr func(field, rule string) error) ([]ShipperAllowance, error) {
	fields, err := decodeObject(raw)
	if err != nil {
		return nil, fieldErr("", "must be an object of country codes to decimal strings")
	}
	if name := repeatedField(fields); name != "" {
		return nil, fieldErr("."+name, "appears more than once")
	}
	out := make([]ShipperAllowance, 0, len(fields))
	for _, f := range fields {
		if !isCountryCode(f.name) {
			return nil, fieldErr("."+f.name, "must be an ISO 3166-1 alpha-2 code in upper case")
		}
		var text string
		if err := json.Unmarshal(f.value, &text); err != nil || isNull(f.value) {
			return nil, fieldErr("."+f.name, "must be a decimal string")
		}
		allowance, rule := parseMoney(text)
		if rule != "" {
			return nil, fieldErr("."+f.name, rule)
		}
		out = append(out, ShipperAllowance{Country: f.name, Allowance: allowance})
	}
	return out, nil
}

// goodsFields are the fields of a restricted_goods entry.
var goodsFields = []string{"hts_prefix", "origins", "source"}

// parseGoods reads [{"hts_prefix": "7306.30", "origins": ["CN"], "source":
// "A-570-910"}, ...]: products restricted when of one of the origins.
func parseGoods(raw json.RawMessage, fieldErr func(field, rule string) error) ([]Goods, error) {
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, fieldErr("", "must be an array of objects")
	}
	out := make([]Goods, 0, len(list))
	for i, entry := range list {
		at := "[" + strconv.Itoa(i) + "]"
		fields, err := decodeObject(entry)
		if err != nil {
			return nil, fieldErr(at, "must be an object")
		}
		if name := repeatedField(fields); name != "" {
			return nil, fieldErr(at+"."+name, "appears more than once")
		}
		var g Goods
		for _, f := range fields {
			switch f.name {
			case "hts_prefix":
				prefixes, err := parseHTSPrefixes(json.RawMessage("["+string(f.value)+"]"), func(_, rule string) error {
					return fieldErr(at+".hts_prefix", rule)
				})
				if err != nil {
					return nil, err
				}
				g.HTSPrefix = prefixes[0]
			case "origins":
				origins, err := parseStrings(f.value, func(field, rule string) error {
					return fieldErr(at+".origins"+field, rule)
				})
				if err != nil {
					return nil, err
				}
				for j, country := range origins {
					if !isCountryCode(country) {
						return nil, fieldErr(at+".origins["+strconv.Itoa(j)+"]", "must be an ISO 3166-1 alpha-2 code in upper case")
					}
				}
				g.Origins = dedupe(nil, origins)
			case "source":
				if err := json.Unmarshal(f.value, &g.Source); err != nil {
					return nil, fieldErr(at+".source", "must be a string")
				}
			default:
				return nil, fieldErr(at+"."+f.name, "unknown field (known: "+strings.Join(goodsFields, ", ")+")")
			}
		}
		if g.HTSPrefix == "" {
			return nil, fieldErr(at+".hts_prefix", "is required")
		}
		if len(g.Origins) == 0 {
			return nil, fieldErr(at+".origins", "must name at least one country: an order covers a product from a country")
		}
		out = append(out, g)
	}
	return out, nil
}

// parseStrings reads an array of strings; null is an empty list.
func parseStrings(raw json.RawMessage, fieldErr func(field, rule string) error) ([]string, error) {
	var list []string
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, fieldErr("", "must be an array of strings")
	}
	return list, nil
}

// dedupe appends to dst the elements of src not already in dst, in order.
func dedupe(dst, src []string) []string {
	for _, s := range src {
		if !slices.Contains(dst, s) {
			dst = append(dst, s)
		}
	}
	return dst
}

func isNull(raw json.RawMessage) bool {
	return string(bytes.TrimSpace(raw)) == "null"
}

// decodeObject reads one JSON object and returns its members in file order,
// repeated names included (see repeatedField), refusing anything after the
// object.
func decodeObject(data []byte) ([]rawField, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if tok != json.Delim('{') {
		return nil, errors.New("must be an object")
	}
	var fields []rawField
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		name, ok := tok.(string)
		if !ok {
			return nil, errors.New("must be an object")
		}
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return nil, err
		}
		fields = append(fields, rawField{name: name, value: value})
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("unexpected data after the object")
	}
	return fields, nil
}

// RegimeDoc is a regime in the table file's format, canonical: every value
// normalized, every list sorted, defaults written out. The table's version
// hashes these; /v1/regimes shows them.
type RegimeDoc struct {
	ID                    string   `json:"id"`
	Start                 *string  `json:"start"`
	Threshold             *string  `json:"threshold"`
	Basis                 Basis    `json:"basis"`
	InformalEntryLimit    string   `json:"informal_entry_limit"`
	GiftAllowance         *string  `json:"gift_allowance"`
	ExcludedOrigins       []string `json:"excluded_origins"`
	RestrictedHTSPrefixes []string `json:"restricted_hts_prefixes"`
	RestrictedCategories  []string `json:"restricted_categories"`
	Source                string   `json:"source"`
	// The fields below are left out when empty, so a table that does not
	// use them keeps the version it had before they existed.
	GiftAllowanceByShipperCountry map[string]string `json:"gift_allowance_by_shipper_country,omitempty"`
	RestrictedGoods               []GoodsDoc        `json:"restricted_goods,omitempty"`
}

// GoodsDoc is a Goods in the table file's format.
type GoodsDoc struct {
	HTSPrefix string   `json:"hts_prefix"`
	Origins   []string `json:"origins"`
	Source    string   `json:"source"`
}

// canonicalFormat names the canonical form, so changing it changes every
// version rather than colliding with an old one.
const canonicalFormat = "s321.regimes.canonical.v1"

// Doc returns the regime in canonical form.
func (r Regime) Doc() RegimeDoc {
	sorted := func(list []string) []string {
		out := slices.Clone(list)
		if out == nil {
			out = []string{}
		}
		slices.Sort(out)
		return out
	}
	c := RegimeDoc{
		ID:                    r.ID,
		Basis:                 r.Basis,
		InformalEntryLimit:    r.InformalEntryLimit.String(),
		ExcludedOrigins:       sorted(r.ExcludedOrigins),
		RestrictedHTSPrefixes: sorted(r.RestrictedHTSPrefixes),
		RestrictedCategories:  sorted(r.RestrictedCategories),
		Source:                r.Source,
	}
	if !r.openStart && !r.Start.IsZero() {
		start := r.Start.UTC().Format(time.RFC3339Nano)
		c.Start = &start
	}
	if r.HasThreshold {
		threshold := r.Threshold.String()
		c.Threshold = &threshold
	}
	if r.HasGiftAllowance {
		allowance := r.GiftAllowance.String()
		c.GiftAllowance = &allowance
	}
	if len(r.GiftAllowanceByShipperCountry) > 0 {
		c.GiftAllowanceByShipperCountry = make(map[string]string, len(r.GiftAllowanceByShipperCountry))
		for _, a := range r.GiftAllowanceByShipperCountry {
			c.GiftAllowanceByShipperCountry[a.Country] = a.Allowance.String()
		}
	}
	for _, g := range r.RestrictedGoods {
		c.RestrictedGoods = append(c.RestrictedGoods, GoodsDoc{HTSPrefix: g.HTSPrefix, Origins: sorted(g.Origins), Source: g.Source})
	}
	slices.SortFunc(c.RestrictedGoods, func(a, b GoodsDoc) int {
		if n := strings.Compare(a.HTSPrefix, b.HTSPrefix); n != 0 {
			return n
		}
		return strings.Compare(strings.Join(a.Origins, ","), strings.Join(b.Origins, ","))
	})
	return c
}

func canonicalVersion(regimes []Regime) string {
	doc := struct {
		Format  string      `json:"format"`
		Regimes []RegimeDoc `json:"regimes"`
	}{Format: canonicalFormat, Regimes: make([]RegimeDoc, len(regimes))}
	for i, r := range regimes {
		doc.Regimes[i] = r.Doc()
	}
	encoded, err := json.Marshal(doc)
	if err != nil {
		// Strings and string slices always encode.
		panic("decide: encode canonical regime table: " + err.Error())
	}
	sum := sha256.Sum256(encoded)
	return hex.EncodeToString(sum[:8])
}

// prefixTrie matches an HTS code against a set of digit prefixes in one pass
// over the code, skipping anything that is not a digit, without allocating.
// Node 0 is the root; a child index of 0 means no child.
type prefixTrie struct {
	nodes []trieNode
}

type trieNode struct {
	next [10]int32
	end  bool // a prefix ends here
}

func newPrefixTrie(prefixes []string) prefixTrie {
	t := prefixTrie{nodes: []trieNode{{}}}
	for _, prefix := range prefixes {
		node := int32(0)
		for i := 0; i < len(prefix); i++ {
			digit := prefix[i] - '0'
			if t.nodes[node].next[digit] == 0 {
				t.nodes = append(t.nodes, trieNode{})
				t.nodes[node].next[digit] = int32(len(t.nodes) - 1)
			}
			node = t.nodes[node].next[digit]
		}
		t.nodes[node].end = true
	}
	return t
}

// matches reports whether the digits of code start with one of the prefixes.
func (t *prefixTrie) matches(code string) bool {
	if len(t.nodes) == 0 {
		return false
	}
	node := int32(0)
	for i := 0; i < len(code); i++ {
		c := code[i]
		if c < '0' || c > '9' {
			continue
		}
		node = t.nodes[node].next[c-'0']
		if node == 0 {
			return false
		}
		if t.nodes[node].end {
			return true
		}
	}
	return false
}

// repeatedField returns the first name that appears more than once in
// fields, or "". A table must not say two things in one place: encoding/json
// would silently keep the last.
func repeatedField(fields []rawField) string {
	for i, f := range fields {
		for _, earlier := range fields[:i] {
			if earlier.name == f.name {
				return f.name
			}
		}
	}
	return ""
}
