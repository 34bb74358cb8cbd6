package process_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
	_ "time/tzdata"

	"github.com/s321/s321/internal/decide"
	"github.com/s321/s321/internal/event"
	"github.com/s321/s321/internal/fx"
	"github.com/s321/s321/internal/generate"
	"github.com/s321/s321/internal/identity"
	"github.com/s321/s321/internal/process"
	"github.com/s321/s321/internal/window"
)

// The processor is tested here against the memory store (it applies the
// same counting rules as the Redis store); integration tests in
// internal/app run it against redis-server through Kafka.

type fixture struct {
	p     *process.Processor
	store *window.Store
	now   time.Time
}

type options struct {
	rates  string
	shadow *decide.Table
}

func newFixture(t *testing.T, opts options) *fixture {
	t.Helper()
	store, err := window.NewMemory(window.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	keyer, err := identity.NewKeyer([]byte("a-test-secret-of-enough-length"))
	if err != nil {
		t.Fatal(err)
	}
	zone, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	deps := process.Deps{Regimes: decide.Builtin(), Keyer: keyer, Counter: store, Linker: store, Recorder: store}
	if opts.rates != "" {
		rates, err := fx.Parse([]byte(opts.rates))
		if err != nil {
			t.Fatal(err)
		}
		deps.Rates = rates
	}
	if opts.shadow != nil {
		shadowCfg := window.DefaultConfig()
		shadowCfg.KeyPrefix = "s321-shadow"
		shadowStore, err := window.NewMemory(shadowCfg)
		if err != nil {
			t.Fatal(err)
		}
		deps.ShadowRegimes, deps.ShadowCounter = opts.shadow, shadowStore
	}
	p, err := process.New(process.Config{Topics: process.DefaultTopics(), EntryDayZone: zone, MaxMessageBytes: 1 << 20, ClusterNames: 3}, deps)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{p: p, store: store, now: time.Date(2026, 11, 25, 7, 0, 0, 0, time.UTC)}
}

// exemption is the decision's exemption, "" for null.
func (o out) exemption() string {
	if o.Exemption == nil {
		return ""
	}
	return *o.Exemption
}

// out is one published message, decoded.
type out struct {
	Topic string
	event.Decision
	Alert    event.Alert
	Rejected event.Rejected
}

func (f *fixture) run(t *testing.T, values ...string) []out {
	t.Helper()
	batch := make([]process.Input, len(values))
	for i, v := range values {
		batch[i] = process.Input{Key: []byte("k"), Value: []byte(v), Source: event.Source{Topic: "manifests", Offset: int64(i)}}
	}
	outputs, err := f.p.Process(context.Background(), batch, f.now)
	if err != nil {
		t.Fatal(err)
	}
	var got []out
	for _, o := range outputs {
		item := out{Topic: o.Topic}
		var err error
		switch o.Topic {
		case "alerts.split-shipment":
			err = json.Unmarshal(o.Value, &item.Alert)
		case "manifests.dlq":
			err = json.Unmarshal(o.Value, &item.Rejected)
		default:
			err = json.Unmarshal(o.Value, &item.Decision)
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, item)
	}
	return got
}

// parcel writes a manifest.v1 of the one test recipient. extra is spliced
// into the top-level object; item fields into the one item.
func parcel(id, arrival, value, extra, itemExtra string) string {
	return fmt.Sprintf(`{"parcel_id":%q,"carrier":"UPS","arrival_time":%q,%s`+
		`"recipient":{"name":"Pat Doe","address_line1":"5 Elm Street","city":"Troy","state":"NY","postal_code":"12180"},`+
		`"items":[{"description":"thing","origin_country":"VN","value":%q%s}]}`, id, arrival, extra, value, itemExtra)
}

func TestGifts(t *testing.T) {
	const before, after = "2024-05-01T14:00:00Z", "2025-09-10T14:00:00Z" // $800 regime; suspension
	gift := `"gift":true,`
	tests := []struct {
		name      string
		messages  []string
		decision  string // of the last message
		exemption string // "" for null
		reasons   string
	}{
		{"a gift under $100 clears as a gift", []string{parcel("G1", before, "60.00", gift, "")}, "cleared", "gift", ""},
		{"a gift of exactly $100 clears", []string{parcel("G1", before, "100.00", gift, "")}, "cleared", "gift", ""},
		{"a second gift passing $100 falls back to de minimis", []string{
			parcel("G1", before, "60.00", gift, ""), parcel("G2", before, "50.00", gift, ""),
		}, "cleared", "de_minimis", ""},
		{"a second gift passing $100 under the suspension needs an entry", []string{
			parcel("G1", after, "60.00", gift, ""), parcel("G2", after, "50.00", gift, ""),
		}, "formal_entry_required", "", "DE_MINIMIS_SUSPENDED"},
		{"a gift under the suspension still clears", []string{parcel("G1", after, "99.99", gift, "")}, "cleared", "gift", ""},
		{"a restricted gift never clears", []string{parcel("G1", before, "20.00", gift, `,"category":"alcohol"`)}, "formal_entry_required", "", "RESTRICTED_GOODS"},
		{"a purchase is not a gift", []string{parcel("P1", after, "20.00", "", "")}, "formal_entry_required", "", "DE_MINIMIS_SUSPENDED"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, options{})
			got := f.run(t, tc.messages...)
			last := got[len(got)-1]
			exemption := last.exemption()
			if last.Decision.Decision != tc.decision || exemption != tc.exemption || strings.Join(last.Reasons, ",") != tc.reasons {
				t.Errorf("got %s exemption %q reasons %v, want %s %q %s", last.Decision.Decision, exemption, last.Reasons, tc.decision, tc.exemption, tc.reasons)
			}
		})
	}
}

func TestGiftsCountTowardTheDayTotalToo(t *testing.T) {
	f := newFixture(t, options{})
	got := f.run(t,
		parcel("G1", "2024-05-01T14:00:00Z", "90.00", `"gift":true,`, ""),
		parcel("P1", "2024-05-01T15:00:00Z", "750.00", "", ""))
	if got[1].RecipientDayTotal != "840.00" || got[1].Reasons[0] != "DAILY_TOTAL_OVER_THRESHOLD" {
		t.Errorf("purchase after a gift: total %s reasons %v, want 840.00 and DAILY_TOTAL_OVER_THRESHOLD", got[1].RecipientDayTotal, got[1].Reasons)
	}
}

const rates = `currency,valid_from,usd_per_unit
EUR,2024-01-01,1.0931
EUR,2024-06-01,1.0712
GBP,2024-01-01,1.2705
`

func TestCurrencies(t *testing.T) {
	tests := []struct {
		name     string
		arrival  string
		items    string
		value    string
		declared map[string]string
		reject   string
	}{
		{"last day of a rate (New York date)", "2024-06-01T03:59:59Z", `{"description":"a","origin_country":"DE","value":"100.00","currency":"EUR"}`,
			"109.31", map[string]string{"EUR": "100.00"}, ""},
		{"first day of the next rate", "2024-06-01T04:00:00Z", `{"description":"a","origin_country":"DE","value":"100.00","currency":"EUR"}`,
			"107.12", map[string]string{"EUR": "100.00"}, ""},
		{"rounded half-up per item, then summed", "2024-03-01T12:00:00Z",
			`{"description":"a","origin_country":"GB","value":"10","currency":"GBP"},{"description":"b","origin_country":"GB","value":"10","currency":"GBP"},{"description":"c","origin_country":"US","value":"1"}`,
			"26.42", map[string]string{"GBP": "20", "USD": "1"}, ""}, // 12.705 -> 12.71, twice, + 1
		{"no rate for the currency", "2024-03-01T12:00:00Z", `{"description":"a","origin_country":"CH","value":"1","currency":"CHF"}`,
			"", nil, "items[0].currency: no CHF exchange rate in force on 2024-03-01"},
		{"no rate yet on that date", "2023-12-31T12:00:00Z", `{"description":"a","origin_country":"DE","value":"1","currency":"EUR"}`,
			"", nil, "items[0].currency: no EUR exchange rate in force on 2023-12-31"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, options{rates: rates})
			msg := fmt.Sprintf(`{"parcel_id":"FX-1","carrier":"DHL","arrival_time":%q,"recipient":{"name":"A B","address_line1":"1 C St","city":"D","state":"NY","postal_code":"10001"},"items":[%s]}`, tc.arrival, tc.items)
			got := f.run(t, msg)[0]
			if tc.reject != "" {
				if got.Topic != "manifests.dlq" || got.Rejected.Error != tc.reject {
					t.Errorf("got %s %q, want the DLQ with %q", got.Topic, got.Rejected.Error, tc.reject)
				}
				return
			}
			if got.ParcelValue != tc.value || fmt.Sprint(got.DeclaredValues) != fmt.Sprint(tc.declared) {
				t.Errorf("parcel_value %s declared %v, want %s %v", got.ParcelValue, got.DeclaredValues, tc.value, tc.declared)
			}
		})
	}
}

func TestAmendAndCancel(t *testing.T) {
	f := newFixture(t, options{})
	day := "2024-05-01T14:00:00Z"
	first := f.run(t, parcel("P1", day, "500.00", "", ""), parcel("P2", day, "200.00", "", ""))
	p1, p2 := first[0], first[1]

	amend := parcel("P1", day, "700.00", `"type":"amend","event_id":"P1-a1",`, "")
	cancel := parcel("P2", day, "200.00", `"type":"cancel","event_id":"P2-c1",`, "")
	got := f.run(t, amend, cancel)
	a, c := got[0], got[1]
	if a.Decision.Decision != "formal_entry_required" || a.RecipientDayTotal != "900.00" || a.Supersedes == nil || *a.Supersedes != p1.DecisionID {
		t.Errorf("amend: %s total %s supersedes %v; want formal_entry_required, 900.00, %s", a.Decision.Decision, a.RecipientDayTotal, a.Supersedes, p1.DecisionID)
	}
	if a.DecisionID == p1.DecisionID || a.EventID != "P1-a1" {
		t.Errorf("amend: decision_id %s event %s, want its own", a.DecisionID, a.EventID)
	}
	if c.Decision.Decision != "cancelled" || c.Topic != "parcels.cleared" || c.RecipientDayTotal != "700.00" || *c.Supersedes != p2.DecisionID || c.EntryType != "none" {
		t.Errorf("cancel: %s on %s total %s supersedes %v entry %s; want cancelled on parcels.cleared (P2 was cleared), 700.00, %s, none",
			c.Decision.Decision, c.Topic, c.RecipientDayTotal, *c.Supersedes, c.EntryType, p2.DecisionID)
	}

	// Redelivered: the same answers, counted once.
	again := f.run(t, amend, cancel)
	if again[0].DecisionID != a.DecisionID || again[0].RecipientDayTotal != "900.00" || again[1].RecipientDayTotal != "700.00" {
		t.Errorf("redelivered amend and cancel: %+v %+v", again[0].Decision, again[1].Decision)
	}
	// A cancel of the amended parcel goes to the topic of the amend's
	// decision and supersedes it.
	c2 := f.run(t, parcel("P1", day, "700.00", `"type":"cancel","event_id":"P1-c1",`, ""))[0]
	if c2.Topic != "parcels.formal-entry-required" || *c2.Supersedes != a.DecisionID || c2.RecipientDayTotal != "0.00" {
		t.Errorf("cancel after amend: %s supersedes %v total %s", c2.Topic, *c2.Supersedes, c2.RecipientDayTotal)
	}

	rejects := f.run(t,
		parcel("P9", day, "1", `"type":"cancel","event_id":"P9-c1",`, ""),
		parcel("P2", day, "1", `"type":"cancel","event_id":"P2-c2",`, ""),
		parcel("P1", day, "1", `"type":"amend",`, ""),
	)
	wants := []string{
		"parcel_id: no parcel P9 was counted for this recipient on 2024-05-01 to cancel",
		"parcel_id: parcel P2 is cancelled already",
		"parcel_id: parcel P1 is cancelled already",
	}
	for i, want := range wants {
		if rejects[i].Topic != "manifests.dlq" || rejects[i].Rejected.Error != want {
			t.Errorf("reject %d: %s %q, want %q", i, rejects[i].Topic, rejects[i].Rejected.Error, want)
		}
	}
	if n := f.p.Stats().Amended.Load(); n != 2 {
		t.Errorf("amends counted %d, want 2 (the redelivery too)", n)
	}
}

func TestAmendNeedsItsOwnEventID(t *testing.T) {
	f := newFixture(t, options{})
	day := "2024-05-01T14:00:00Z"
	got := f.run(t, parcel("P1", day, "5", "", ""), parcel("P1", day, "6", `"type":"amend",`, ""))
	if got[1].Rejected.Error != "event_id: an amend needs an event_id of its own, not the one of the decision it replaces" {
		t.Errorf("got %q", got[1].Rejected.Error)
	}
}

func TestShadowNeverChangesTheLiveDecision(t *testing.T) {
	// What-if: the suspension brought forward to 2025-08-01.
	shadow, err := decide.ParseTable([]byte(`{"regimes":[
		{"id":"us-321-800","start":null,"threshold":"800","gift_allowance":"100"},
		{"id":"what-if-suspended","start":"2025-08-01T04:00:00Z","threshold":null,"gift_allowance":"100"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	live := newFixture(t, options{})
	f := newFixture(t, options{shadow: shadow})
	msgs := []string{
		parcel("S1", "2025-08-10T14:00:00Z", "500.00", "", ""),         // live: CN/HK-excluded regime, VN origin: cleared; shadow: suspended
		parcel("S2", "2025-08-10T15:00:00Z", "400.00", "", ""),         // live: daily total; shadow: suspended
		parcel("S3", "2025-07-10T15:00:00Z", "10.00", "", ""),          // both clear
		parcel("S4", "2025-09-10T15:00:00Z", "10.00", "", ""),          // both suspended (different regimes)
		parcel("S5", "2025-08-10T16:00:00Z", "10", `"gift":true,`, ""), // a gift: both clear as gifts
	}
	want := live.run(t, msgs...)
	got := f.run(t, msgs...)
	var decisions []out
	for _, o := range got {
		if o.Topic != "alerts.split-shipment" {
			decisions = append(decisions, o)
		}
	}
	var wantDecisions []out
	for _, o := range want {
		if o.Topic != "alerts.split-shipment" {
			wantDecisions = append(wantDecisions, o)
		}
	}
	shadowWant := []string{"formal_entry_required", "formal_entry_required", "cleared", "formal_entry_required", "cleared"}
	for i, d := range decisions {
		w := wantDecisions[i]
		if d.Decision.Decision != w.Decision.Decision || strings.Join(d.Reasons, ",") != strings.Join(w.Reasons, ",") || d.RecipientDayTotal != w.RecipientDayTotal {
			t.Errorf("%s: live decision %s %v %s changed by the shadow; without it %s %v %s", d.ParcelID,
				d.Decision.Decision, d.Reasons, d.RecipientDayTotal, w.Decision.Decision, w.Reasons, w.RecipientDayTotal)
		}
		if d.Shadow == nil || d.Shadow.Decision != shadowWant[i] {
			t.Errorf("%s: shadow %+v, want %s", d.ParcelID, d.Shadow, shadowWant[i])
		}
	}
	if w := wantDecisions[0]; w.Shadow != nil {
		t.Error("a decision carries shadow without --shadow-regimes")
	}
	// S2 is refused both ways (for the day total live, the suspension in
	// the shadow): the decision is the same, so only S1 differs.
	if got, want := f.p.Stats().ShadowDiffers.Load(), int64(1); got != want {
		t.Errorf("shadow differences counted %d, want %d (S1)", got, want)
	}
}

// TestStoredOutcomeAgreesWithTheDecision holds the Lua script's outcome
// rule (which topic a later cancel goes to) and package decide together,
// over generated traffic with gifts, splits and restricted goods.
func TestStoredOutcomeAgreesWithTheDecision(t *testing.T) {
	f := newFixture(t, options{})
	cfg := generate.DefaultConfig()
	cfg.Seed, cfg.Recipients, cfg.SplitShare = 7, 200, 0.1
	gen, err := generate.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var values []string
	for i := 0; i < 2000; i++ {
		m := gen.Next()
		v := string(m.Value)
		if i%7 == 0 {
			v = strings.Replace(v, `{"parcel_id"`, `{"gift":true,"parcel_id"`, 1)
		}
		values = append(values, v)
	}
	checked := 0
	for _, o := range f.run(t, values...) {
		if o.Topic == "manifests.dlq" || o.Topic == "alerts.split-shipment" {
			continue
		}
		day, err := f.store.Day(context.Background(), o.RecipientKey, o.EntryDate)
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(day.Parcels, func(p window.DayParcel) bool { return p.ParcelID == o.ParcelID })
		if i < 0 {
			t.Fatalf("%s: not in its day", o.ParcelID)
		}
		wantOutcome := "formal"
		if o.Decision.Decision == "cleared" {
			wantOutcome = "cleared"
		}
		// A redelivered parcel answers its first decision; its state is the first's too.
		if got := day.Parcels[i].Outcome; got != wantOutcome {
			t.Errorf("%s: decided %s, stored outcome %s", o.ParcelID, o.Decision.Decision, got)
		}
		checked++
	}
	if checked < 1500 {
		t.Errorf("only %d decisions checked", checked)
	}
}

// Regression: the DLQ copy of a message over the size limit was as large
// as the message, so the broker refused it and the partition retried the
// batch forever. A DLQ record now stays within --max-message-bytes.
func TestRejectionsFitTheMessageLimit(t *testing.T) {
	f := newFixture(t, options{})
	huge := `{"parcel_id":"BIG","pad":"` + strings.Repeat(`"`, 3<<20) + `"}` // escapes to twice its size
	small := `{"parcel_id":"BAD","items":"nope"}`
	got := f.run(t, huge, small)
	if len(got) != 2 {
		t.Fatalf("%d outputs", len(got))
	}
	big, whole := got[0].Rejected, got[1].Rejected
	if !big.RawTruncated || big.RawBytes != len(huge) || !strings.HasPrefix(huge, big.Raw) || len(big.Raw) == 0 {
		t.Errorf("oversize: truncated %v, raw_bytes %d, raw %d bytes", big.RawTruncated, big.RawBytes, len(big.Raw))
	}
	if whole.RawTruncated || whole.Raw != small {
		t.Errorf("small rejection not copied whole: %+v", whole)
	}
	encoded, _ := json.Marshal(big)
	if len(encoded) > 1<<20 {
		t.Errorf("DLQ record of %d bytes, over the 1 MiB limit", len(encoded))
	}
}
