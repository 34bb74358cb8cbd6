package app

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"go.uber.org/zap"

	"github.com/s321/s321/internal/decide"
	"github.com/s321/s321/internal/termsafe"
	"github.com/s321/s321/internal/window"
)

// safe escapes a value printed inside a line of text for a person.
var safe = termsafe.Line

// The query endpoints read the live state in Redis; they are documented
// in docs/api.yaml:
//
//	GET /v1/parcels/{parcel_id}                      why a parcel got its decision
//	GET /v1/recipients/{recipient_key}/days/{date}   a recipient's day: parcels and totals
//	GET /v1/alerts?date=YYYY-MM-DD[&limit=N][&after=CURSOR]   the latest version of each alert of a day, a page at a time
//
// An error body says what was wrong with the request, never why the state
// could not be read: Redis's errors name its addresses, and are logged.

var (
	parcelIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)
	hexKeyPattern   = regexp.MustCompile(`^[0-9a-f]{64}$`)
	// alertIDPattern is an alert id as a cursor: event.AlertID is 32 hex
	// characters; the pattern allows more so that ids stay opaque.
	alertIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,128}$`)
)

// The page sizes of GET /v1/alerts.
const (
	defaultAlertsPage = 100
	maxAlertsPage     = window.MaxAlertsPage
)

// ReasonMeanings explain the reason codes to people.
var ReasonMeanings = map[string]string{
	"DE_MINIMIS_SUSPENDED":       "the regime in force at arrival grants no de minimis",
	"ORIGIN_EXCLUDED":            "an item's country of origin is excluded from de minimis by the regime",
	"RESTRICTED_GOODS":           "an item is restricted and never qualifies: goods subject to excise taxes (alcohol, tobacco, arms), or to an antidumping or countervailing duty order, or others the regime names",
	"VALUE_OVER_THRESHOLD":       "the parcel's own value is above the de minimis threshold",
	"DAILY_TOTAL_OVER_THRESHOLD": "the parcel is within the threshold alone, but the recipient's total for the day is above it (19 CFR 10.151)",
}

// Explanation is why a parcel got its decision.
type Explanation struct {
	ParcelID string `json:"parcel_id"`
	// Decision is the parcel's latest decision as published; History every
	// distinct decision of the parcel (the original, amends, a cancel).
	Decision json.RawMessage   `json:"decision"`
	History  []json.RawMessage `json:"history"`
	Regime   *decide.RegimeDoc `json:"regime"`
	Reasons  []ReasonText      `json:"reasons"`
	// Day is the recipient's day as it is now; parcels evaluated before
	// this one (up to it, in order) made up its total at the time.
	Day              *window.Day       `json:"day"`
	CountedAtTheTime []string          `json:"day_parcels_at_the_time"`
	Alerts           []json.RawMessage `json:"alerts"`
}

// ReasonText is a reason code and what it means.
type ReasonText struct {
	Code    string `json:"code"`
	Meaning string `json:"meaning"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

// stateUnavailable answers 503 for a query whose state could not be read,
// and logs why: the body says nothing of Redis, its addresses or errors.
func (a *App) stateUnavailable(w http.ResponseWriter, r *http.Request, err error) {
	a.log.Warn("query failed", zap.String("component", "http"), zap.String("path", r.URL.Path), zap.Error(err))
	writeError(w, http.StatusServiceUnavailable, "state unavailable: retry later")
}

func (a *App) serveParcel(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !parcelIDPattern.MatchString(id) {
		writeError(w, http.StatusBadRequest, "parcel_id: must be 1 to 64 characters of A-Z a-z 0-9 - _ .")
		return
	}
	exp, err := a.Explain(r, id)
	switch {
	case errors.Is(err, window.ErrNotFound) && !a.cfg.KeepDecisions:
		writeError(w, http.StatusNotFound, "no decision kept for parcel "+id+": this processor runs with --keep-decisions=false")
	case errors.Is(err, window.ErrNotFound):
		writeError(w, http.StatusNotFound, "no decision kept for parcel "+id+" (never seen, or older than --state-ttl)")
	case err != nil:
		a.stateUnavailable(w, r, err)
	default:
		writeJSON(w, http.StatusOK, exp)
	}
}

// Explain gathers why a parcel got its latest decision.
func (a *App) Explain(r *http.Request, parcelID string) (*Explanation, error) {
	ctx := r.Context()
	history, err := a.store.ParcelHistory(ctx, parcelID)
	if err != nil {
		return nil, err
	}
	exp := &Explanation{ParcelID: parcelID, Reasons: []ReasonText{}, Alerts: []json.RawMessage{}, CountedAtTheTime: []string{}}
	seen := map[string]bool{}
	var latest struct {
		DecisionID   string   `json:"decision_id"`
		ArrivalTime  string   `json:"arrival_time"`
		EntryDate    string   `json:"entry_date"`
		Reasons      []string `json:"reasons"`
		RecipientKey string   `json:"recipient_key"`
	}
	for _, raw := range history {
		if err := json.Unmarshal(raw, &latest); err != nil {
			return nil, err
		}
		if !seen[latest.DecisionID] {
			seen[latest.DecisionID] = true
			exp.History = append(exp.History, raw)
		}
	}
	exp.Decision = exp.History[len(exp.History)-1]
	if err := json.Unmarshal(exp.Decision, &latest); err != nil {
		return nil, err
	}
	for _, code := range latest.Reasons {
		exp.Reasons = append(exp.Reasons, ReasonText{Code: code, Meaning: ReasonMeanings[code]})
	}
	if arrival, err := time.Parse(time.RFC3339Nano, latest.ArrivalTime); err == nil {
		if regime := a.processor.Regimes().At(arrival); regime != nil {
			doc := regime.Doc()
			exp.Regime = &doc
		}
	}
	day, err := a.store.Day(ctx, latest.RecipientKey, latest.EntryDate)
	if err != nil && !errors.Is(err, window.ErrNotFound) {
		return nil, err
	}
	exp.Day = day
	if day != nil {
		var seq int64
		for _, p := range day.Parcels {
			if p.ParcelID == parcelID {
				seq = p.Evaluated
			}
		}
		for _, p := range day.Parcels {
			if p.Evaluated > 0 && p.Evaluated <= seq {
				exp.CountedAtTheTime = append(exp.CountedAtTheTime, p.ParcelID)
			}
		}
	}
	// The parcel's own alerts, from its index: never the whole day's.
	alerts, err := a.store.ParcelAlerts(ctx, parcelID)
	if err != nil {
		return nil, err
	}
	for _, raw := range alerts {
		var alert struct {
			ParcelIDs []string `json:"parcel_ids"`
		}
		if json.Unmarshal(raw, &alert) == nil && slices.Contains(alert.ParcelIDs, parcelID) {
			exp.Alerts = append(exp.Alerts, raw)
		}
	}
	return exp, nil
}

func (a *App) serveDay(w http.ResponseWriter, r *http.Request) {
	key, date := r.PathValue("key"), r.PathValue("date")
	if !hexKeyPattern.MatchString(key) {
		writeError(w, http.StatusBadRequest, "recipient_key: must be 64 lower-case hex characters")
		return
	}
	if _, err := time.Parse(time.DateOnly, date); err != nil {
		writeError(w, http.StatusBadRequest, "date: must be YYYY-MM-DD")
		return
	}
	day, err := a.store.Day(r.Context(), key, date)
	switch {
	case errors.Is(err, window.ErrNotFound):
		writeError(w, http.StatusNotFound, "no parcels kept for this recipient on "+date)
	case err != nil:
		a.stateUnavailable(w, r, err)
	default:
		writeJSON(w, http.StatusOK, day)
	}
}

func (a *App) serveAlerts(w http.ResponseWriter, r *http.Request) {
	query := r.URL.Query()
	date := query.Get("date")
	if _, err := time.Parse(time.DateOnly, date); err != nil {
		writeError(w, http.StatusBadRequest, "date: required, YYYY-MM-DD")
		return
	}
	limit := defaultAlertsPage
	if text := query.Get("limit"); text != "" {
		n, err := strconv.Atoi(text)
		if err != nil || n < 1 || n > maxAlertsPage {
			writeError(w, http.StatusBadRequest, "limit: a whole number from 1 to "+strconv.Itoa(maxAlertsPage))
			return
		}
		limit = n
	}
	after := query.Get("after")
	if after != "" && !alertIDPattern.MatchString(after) {
		writeError(w, http.StatusBadRequest, "after: the next of a previous page")
		return
	}
	page, err := a.store.AlertsPage(r.Context(), date, after, limit)
	if err != nil {
		a.stateUnavailable(w, r, err)
		return
	}
	if len(page.Alerts) == 0 && after == "" && !a.cfg.KeepDecisions {
		// An empty list would say there were none.
		writeError(w, http.StatusNotFound, "no alerts kept for "+date+": this processor runs with --keep-decisions=false")
		return
	}
	out := make([]json.RawMessage, len(page.Alerts))
	for i, raw := range page.Alerts {
		out[i] = raw
	}
	var next *string
	if page.Next != "" {
		next = &page.Next
	}
	writeJSON(w, http.StatusOK, map[string]any{"date": date, "alerts": out, "next": next})
}

// WriteText writes the explanation for a person. Every value comes from
// the input or the state, so each is escaped (termsafe.Line): a carrier
// name cannot send the terminal escape sequences or start a line.
func (e *Explanation) WriteText(w io.Writer) error {
	var d struct {
		Decision          string  `json:"decision"`
		EntryType         string  `json:"entry_type"`
		ArrivalTime       string  `json:"arrival_time"`
		EntryDate         string  `json:"entry_date"`
		ParcelValue       string  `json:"parcel_value"`
		RecipientKey      string  `json:"recipient_key"`
		RecipientDayTotal string  `json:"recipient_day_total"`
		Exemption         *string `json:"exemption"`
		Supersedes        *string `json:"supersedes"`
		Carrier           string  `json:"carrier"`
	}
	if err := json.Unmarshal(e.Decision, &d); err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "parcel %s: %s", safe(e.ParcelID), safe(d.Decision))
	switch {
	case d.Exemption != nil:
		fmt.Fprintf(&b, " (%s)", safe(strings.ReplaceAll(*d.Exemption, "_", " ")))
	case d.EntryType != "" && d.EntryType != "none":
		fmt.Fprintf(&b, " (%s entry)", safe(d.EntryType))
	}
	fmt.Fprintf(&b, "\n  carrier %s, arrived %s, entry date %s, value $%s\n", safe(d.Carrier), safe(d.ArrivalTime), safe(d.EntryDate), safe(d.ParcelValue))
	if r := e.Regime; r != nil {
		threshold := "no de minimis"
		if r.Threshold != nil {
			threshold = "threshold $" + *r.Threshold
		}
		from := "the beginning"
		if r.Start != nil {
			from = *r.Start
		}
		fmt.Fprintf(&b, "  regime %s (%s), in force from %s\n    source: %s\n", safe(r.ID), safe(threshold), safe(from), safe(r.Source))
	}
	if len(e.Reasons) == 0 {
		fmt.Fprintf(&b, "  no reason applies\n")
	}
	for _, r := range e.Reasons {
		fmt.Fprintf(&b, "  %s: %s\n", safe(r.Code), safe(r.Meaning))
	}
	if why := e.giftNotHonoured(d.Exemption); why != "" {
		fmt.Fprintf(&b, "  gift claim not honoured: %s\n", why)
	}
	if e.Day != nil {
		fmt.Fprintf(&b, "  recipient %s…: day total $%s after this parcel, made up at the time of:\n", safe(d.RecipientKey[:min(12, len(d.RecipientKey))]), safe(d.RecipientDayTotal))
		for _, p := range e.Day.Parcels {
			if !slices.Contains(e.CountedAtTheTime, p.ParcelID) {
				continue
			}
			mark := ""
			if p.ParcelID == e.ParcelID {
				mark = "  <- this parcel"
			}
			if p.Status == "cancelled" {
				mark += " (cancelled since)"
			}
			fmt.Fprintf(&b, "    %3d. %-24s %-18s $%s%s\n", p.Evaluated, safe(p.ParcelID), safe(p.Carrier), safe(p.Value), mark)
		}
		if later := len(e.Day.Parcels) - len(e.CountedAtTheTime); later > 0 {
			fmt.Fprintf(&b, "    (%d later parcel(s) that day; the day total is now $%s)\n", later, safe(e.Day.Total))
		}
	}
	for _, raw := range e.Alerts {
		var a struct {
			Type    string `json:"type"`
			Version int64  `json:"version"`
			Reason  string `json:"reason"`
		}
		if json.Unmarshal(raw, &a) == nil {
			fmt.Fprintf(&b, "  alert %s, version %d: %s\n", safe(a.Type), a.Version, safe(a.Reason))
		}
	}
	if d.Supersedes != nil || len(e.History) > 1 {
		fmt.Fprintf(&b, "  %d decisions for this parcel (amended or cancelled); this is the latest\n", len(e.History))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// giftNotHonoured says why the parcel, declared a bona fide gift, was not
// cleared as one, or "" when it was, or was no gift. The day keeps the
// claim of every parcel that is not a purchase: a parcel naming a seller,
// marketplace or order is no gift whatever it declares (19 CFR 10.152) and
// is kept as none, so it is not explained here.
func (e *Explanation) giftNotHonoured(exemption *string) string {
	if exemption != nil && *exemption == "gift" {
		return ""
	}
	// The processor keeps why, with the decision.
	var kept struct {
		GiftRefused decide.GiftRefusal `json:"gift_refused"`
	}
	if json.Unmarshal(e.Decision, &kept) == nil {
		switch kept.GiftRefused {
		case decide.GiftPurchase:
			return "the manifest names a seller, a marketplace or an order number: a purchase, not a bona fide gift (19 CFR 10.152)"
		case decide.GiftNoAllowance:
			return "the regime in force grants no gift allowance"
		case decide.GiftRestricted:
			return "an item is restricted, and restricted goods are never exempt as gifts"
		}
	}
	if e.Day == nil {
		return ""
	}
	var this *window.DayParcel
	var seq int64
	for i := range e.Day.Parcels {
		if e.Day.Parcels[i].ParcelID == e.ParcelID {
			this = &e.Day.Parcels[i]
			seq = this.Evaluated
		}
	}
	if this == nil || !this.Gift {
		return ""
	}
	if e.Regime == nil || e.Regime.GiftAllowance == nil {
		return "the regime in force grants no gift allowance"
	}
	allowance, err := decimal.NewFromString(*e.Regime.GiftAllowance)
	if err != nil {
		return ""
	}
	giftTotal := decimal.Zero
	for _, p := range e.Day.Parcels {
		if p.Gift && p.Evaluated > 0 && p.Evaluated <= seq && p.Status != "cancelled" {
			if value, err := decimal.NewFromString(p.Value); err == nil {
				giftTotal = giftTotal.Add(value)
			}
		}
	}
	if giftTotal.GreaterThan(allowance) {
		why := fmt.Sprintf("the recipient's gifts that day came to $%s with this parcel, over the $%s allowance (19 U.S.C. 1321(a)(2)(A))",
			giftTotal.StringFixed(2), allowance.String())
		if len(e.Regime.GiftAllowanceByShipperCountry) > 0 {
			countries := slices.Sorted(maps.Keys(e.Regime.GiftAllowanceByShipperCountry))
			why += "; gifts sent from " + strings.Join(countries, ", ") + " have their own allowance"
		}
		return why
	}
	return "an item is restricted, and restricted goods are never exempt as gifts"
}
