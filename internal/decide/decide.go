package decide

import (
	"strings"

	"github.com/shopspring/decimal"
)

// Reason is why a parcel may not enter under de minimis, as written in
// decision.v1 "reasons".
type Reason string

// The reasons, in the order a decision lists them (EVENTS.md, "Reasons, in
// this order").
const (
	// ReasonSuspended: the regime grants no de minimis; then it is the only
	// reason.
	ReasonSuspended Reason = "DE_MINIMIS_SUSPENDED"
	// ReasonOriginExcluded: an item's origin country is excluded by the
	// regime.
	ReasonOriginExcluded Reason = "ORIGIN_EXCLUDED"
	// ReasonRestricted: an item is restricted by HTS code or category.
	ReasonRestricted Reason = "RESTRICTED_GOODS"
	// ReasonValueOver: the parcel's own value is above the threshold.
	ReasonValueOver Reason = "VALUE_OVER_THRESHOLD"
	// ReasonDailyTotalOver: the parcel alone is within the threshold but
	// the recipient's day total is above it.
	ReasonDailyTotalOver Reason = "DAILY_TOTAL_OVER_THRESHOLD"
)

// Decision is the outcome for a parcel, as written in decision.v1 "decision".
type Decision string

const (
	// Cleared: the parcel enters under de minimis; no reason applies.
	Cleared Decision = "cleared"
	// FormalEntryRequired: at least one reason applies and the parcel needs
	// a customs entry (informal or formal, see EntryType).
	FormalEntryRequired Decision = "formal_entry_required"
)

// EntryType is the entry a parcel needs, as written in decision.v1
// "entry_type".
type EntryType string

const (
	// EntryDeMinimis: cleared under de minimis.
	EntryDeMinimis EntryType = "de_minimis"
	// EntryInformal: refused, and worth no more than the regime's
	// informal-entry limit.
	EntryInformal EntryType = "informal"
	// EntryFormal: refused, and worth more than the informal-entry limit.
	EntryFormal EntryType = "formal"
	// EntryMail: refused, arriving by mail, and worth no more than the
	// informal-entry limit: a mail entry (19 CFR 145.12).
	EntryMail EntryType = "mail"
)

// Item is the part of a manifest item a decision looks at.
type Item struct {
	// HTSCode is the item's HTS code; only its digits count, so
	// "6109.10.0012" and "6109100012" are the same. Empty when not given.
	HTSCode string
	// OriginCountry is the ISO 3166-1 alpha-2 country of origin; compared
	// without regard to ASCII case.
	OriginCountry string
	// Category is the item's declared category ("alcohol", ...), or empty.
	Category string
}

// Parcel is what a decision needs to know about a parcel.
type Parcel struct {
	// Value is the parcel's value in USD: the sum of its items' values.
	Value decimal.Decimal
	// Items are the parcel's items.
	Items []Item
	// Postal is true for a parcel that arrives through the international
	// postal network (manifest mode "postal"): refused and within the
	// informal-entry limit, it needs a mail entry, not an informal one.
	Postal bool
	// Purchase is true when the manifest names a seller, a marketplace or an
	// order number: the parcel was bought, so it is not a bona fide gift
	// whatever it declares (19 CFR 10.152).
	Purchase bool
	// ShipperCountry is the ISO 3166-1 alpha-2 country the parcel was sent
	// from (manifest shipper.country), compared without regard to ASCII
	// case; empty when not given. It chooses the gift allowance (see
	// Regime.GiftAllowanceByShipperCountry).
	ShipperCountry string
}

// Result is the decision for one parcel.
type Result struct {
	// Decision is Cleared exactly when Reasons is empty.
	Decision Decision
	// Reasons are the reasons that apply, in the contract's order; an empty,
	// non-nil slice when the parcel is cleared.
	Reasons []Reason
	// EntryType is the entry the parcel needs.
	EntryType EntryType
	// Exemption says under which exemption a cleared parcel enters; empty
	// when the parcel is not cleared.
	Exemption Exemption
}

// Exemption is what a cleared parcel enters free under.
type Exemption string

const (
	// ExemptionDeMinimis: within the de minimis threshold (19 U.S.C.
	// 1321(a)(2)(C)).
	ExemptionDeMinimis Exemption = "de_minimis"
	// ExemptionGift: a bona fide gift within the gift allowance (19 U.S.C.
	// 1321(a)(2)(A)).
	ExemptionGift Exemption = "gift"
)

// maxReasons bounds the reasons one parcel can get: VALUE_OVER_THRESHOLD and
// DAILY_TOTAL_OVER_THRESHOLD exclude each other, and DE_MINIMIS_SUSPENDED
// comes alone.
const maxReasons = 3

// noReasons is the Reasons of every cleared parcel. It has capacity 0, so
// appending to it never writes into shared memory.
var noReasons = []Reason{}

// Screen returns the reasons that do not depend on the recipient's day
// total, in the contract's order: DE_MINIMIS_SUSPENDED alone when r grants no
// de minimis, else ORIGIN_EXCLUDED, RESTRICTED_GOODS and VALUE_OVER_THRESHOLD
// as they apply. A nil r is treated as a regime that grants no de minimis.
// The result is empty, not nil, when none applies.
func Screen(r *Regime, p Parcel) []Reason {
	var buf [maxReasons]Reason
	n := screen(r, p, &buf)
	if n == 0 {
		return noReasons
	}
	return append(make([]Reason, 0, n), buf[:n]...)
}

// Passes reports whether Screen finds no reason, without building the
// list.
func Passes(r *Regime, p Parcel) bool {
	var buf [maxReasons]Reason
	return screen(r, p, &buf) == 0
}

// screen writes the reasons of Screen into buf and returns how many.
func screen(r *Regime, p Parcel, buf *[maxReasons]Reason) int {
	if r == nil || !r.HasThreshold {
		buf[0] = ReasonSuspended
		return 1
	}
	n := 0
	if r.excludesOrigin(p.Items) {
		buf[n] = ReasonOriginExcluded
		n++
	}
	if r.restricts(p.Items) {
		buf[n] = ReasonRestricted
		n++
	}
	if compareMoney(p.Value, r.Threshold) > 0 {
		buf[n] = ReasonValueOver
		n++
	}
	return n
}

// DailyTotalApplies reports whether DAILY_TOTAL_OVER_THRESHOLD applies: the
// regime has a threshold measured per recipient and day, the parcel's value
// is within it, and the recipient's day total (this parcel included) is
// above it. The day counter (package window) mirrors this rule when it
// decides to raise a split-shipment alert; keep the two in step.
func DailyTotalApplies(r *Regime, value, dayTotal decimal.Decimal) bool {
	return r != nil && r.HasThreshold && r.Basis == BasisRecipientDay &&
		compareMoney(value, r.Threshold) <= 0 && compareMoney(dayTotal, r.Threshold) > 0
}

// Decide evaluates parcel p under regime r, given the recipient's total
// declared value for the entry date with p counted (dayTotal). A nil r is
// treated as a regime that grants no de minimis, with the default
// informal-entry limit.
func Decide(r *Regime, p Parcel, dayTotal decimal.Decimal) Result {
	var buf [maxReasons]Reason
	n := screen(r, p, &buf)
	// DailyTotalApplies needs a threshold and a value within it, so it never
	// adds to DE_MINIMIS_SUSPENDED or VALUE_OVER_THRESHOLD and buf is enough.
	if DailyTotalApplies(r, p.Value, dayTotal) {
		buf[n] = ReasonDailyTotalOver
		n++
	}
	if n == 0 {
		return Result{Decision: Cleared, Reasons: noReasons, EntryType: EntryDeMinimis, Exemption: ExemptionDeMinimis}
	}
	limit := defaultInformalEntryLimit
	if r != nil {
		limit = r.InformalEntryLimit
	}
	entryType := EntryFormal
	if compareMoney(p.Value, limit) <= 0 {
		entryType = EntryInformal
		if p.Postal {
			entryType = EntryMail
		}
	}
	return Result{
		Decision:  FormalEntryRequired,
		Reasons:   append(make([]Reason, 0, n), buf[:n]...),
		EntryType: entryType,
	}
}

// GiftApplies reports whether a parcel declared a bona fide gift is cleared
// as one (19 U.S.C. 1321(a)(2)(A), 19 CFR 10.152): GiftRefused finds no
// reason against it.
func GiftApplies(r *Regime, p Parcel, giftTotal decimal.Decimal) bool {
	return GiftRefused(r, p, giftTotal) == ""
}

// GiftRefusal is why a parcel declared a bona fide gift is not cleared as
// one.
type GiftRefusal string

// The reasons a gift claim is not honoured, in the order GiftRefused checks
// them.
const (
	// GiftNoAllowance: the regime grants no gift allowance (nil regime
	// included).
	GiftNoAllowance GiftRefusal = "no_gift_allowance"
	// GiftPurchase: the manifest names a seller, a marketplace or an order
	// number, so the parcel is a purchase, not a bona fide gift (19 CFR
	// 10.152).
	GiftPurchase GiftRefusal = "purchase"
	// GiftRestricted: an item is restricted, and restricted goods are never
	// exempt as gifts.
	GiftRestricted GiftRefusal = "restricted_goods"
	// GiftOverAllowance: the recipient's gifts of the day, this parcel
	// included, are above the allowance.
	GiftOverAllowance GiftRefusal = "over_gift_allowance"
)

// GiftRefused returns why a parcel declared a bona fide gift is not cleared
// as one, or "" when it is: the regime grants a gift allowance, the parcel
// is not a purchase, no item is restricted, and the recipient's total of
// gifts for the entry date, this parcel included (giftTotal), is within
// the allowance that applies to it (GiftAllowance). The allowance is
// separate from the de minimis threshold, and holds where the regime grants
// no de minimis at all.
func GiftRefused(r *Regime, p Parcel, giftTotal decimal.Decimal) GiftRefusal {
	allowance, ok := GiftAllowance(r, p)
	switch {
	case !ok:
		return GiftNoAllowance
	case p.Purchase:
		return GiftPurchase
	case r.restricts(p.Items):
		return GiftRestricted
	case compareMoney(giftTotal, allowance) > 0:
		return GiftOverAllowance
	}
	return ""
}

// GiftAllowance returns the gift allowance that applies to p under r: the
// allowance for p's shipper country when the regime gives one (gifts sent
// from the U.S. Virgin Islands, Guam or American Samoa, 19 U.S.C.
// 1321(a)(2)(A)), else the regime's. ok is false when r grants none.
func GiftAllowance(r *Regime, p Parcel) (allowance decimal.Decimal, ok bool) {
	if r == nil || !r.HasGiftAllowance {
		return decimal.Decimal{}, false
	}
	if p.ShipperCountry != "" {
		for _, a := range r.GiftAllowanceByShipperCountry {
			if strings.EqualFold(a.Country, p.ShipperCountry) {
				return a.Allowance, true
			}
		}
	}
	return r.GiftAllowance, true
}

// DecideGift evaluates a parcel declared a gift: cleared as a gift when
// GiftApplies, else exactly as Decide would evaluate any parcel (a gift over
// the allowance may still clear under de minimis).
func DecideGift(r *Regime, p Parcel, dayTotal, giftTotal decimal.Decimal) Result {
	if GiftApplies(r, p, giftTotal) {
		return Result{Decision: Cleared, Reasons: noReasons, EntryType: EntryDeMinimis, Exemption: ExemptionGift}
	}
	return Decide(r, p, dayTotal)
}

func (r *Regime) excludesOrigin(items []Item) bool {
	if len(r.ExcludedOrigins) == 0 {
		return false
	}
	for i := range items {
		for _, country := range r.ExcludedOrigins {
			if strings.EqualFold(items[i].OriginCountry, country) {
				return true
			}
		}
	}
	return false
}

func (r *Regime) restricts(items []Item) bool {
	for i := range items {
		item := &items[i]
		if item.HTSCode != "" && (r.restrictsHTS(item.HTSCode) || r.restrictsGoods(item)) {
			return true
		}
		if item.Category != "" {
			for _, category := range r.RestrictedCategories {
				if strings.EqualFold(item.Category, category) {
					return true
				}
			}
		}
	}
	return false
}

// restrictsGoods reports whether one of the regime's RestrictedGoods (a
// product of given origins, as an antidumping or countervailing duty order
// names it) covers the item: its HTS code starts with the entry's prefix
// and its origin is one of the entry's.
func (r *Regime) restrictsGoods(item *Item) bool {
	for i := range r.RestrictedGoods {
		goods := &r.RestrictedGoods[i]
		if !digitsHavePrefix(item.HTSCode, goods.HTSPrefix) {
			continue
		}
		for _, country := range goods.Origins {
			if strings.EqualFold(item.OriginCountry, country) {
				return true
			}
		}
	}
	return false
}

// restrictsHTS reports whether the digits of code start with one of the
// regime's restricted prefixes. A Regime built by hand rather than parsed has
// no trie; it is matched the slow way rather than not at all.
func (r *Regime) restrictsHTS(code string) bool {
	if len(r.restrictedHTS.nodes) > 0 || len(r.RestrictedHTSPrefixes) == 0 {
		return r.restrictedHTS.matches(code)
	}
	for _, prefix := range r.RestrictedHTSPrefixes {
		if digitsHavePrefix(code, prefix) {
			return true
		}
	}
	return false
}

// digitsHavePrefix reports whether the digits of code, anything else
// skipped, start with the digits of prefix. A prefix without digits matches
// nothing.
func digitsHavePrefix(code, prefix string) bool {
	i, j, matched := 0, 0, 0
	for j < len(prefix) {
		for j < len(prefix) && (prefix[j] < '0' || prefix[j] > '9') {
			j++
		}
		if j == len(prefix) {
			break
		}
		for i < len(code) && (code[i] < '0' || code[i] > '9') {
			i++
		}
		if i == len(code) || code[i] != prefix[j] {
			return false
		}
		i++
		j++
		matched++
	}
	return matched > 0
}
