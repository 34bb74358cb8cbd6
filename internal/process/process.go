// Package process turns a batch of input messages of one partition into the
// messages to publish: a decision per parcel, split-shipment alerts, and a
// rejection for every message that cannot be decided.
//
// It owns the order of the work for one batch: decode and validate, choose
// the regime in force at each parcel's arrival, compute the entry date and
// the recipient key, count the parcels in the day totals (one round trip for
// the batch), decide, and encode. It does not talk to Kafka, commit offsets
// or read the clock: the caller passes the batch and "now", and publishes
// what it gets back.
package process

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shopspring/decimal"

	"github.com/s321/s321/internal/decide"
	"github.com/s321/s321/internal/event"
	"github.com/s321/s321/internal/fx"
	"github.com/s321/s321/internal/identity"
	"github.com/s321/s321/internal/manifest"
	"github.com/s321/s321/internal/money"
	"github.com/s321/s321/internal/port"
	"github.com/s321/s321/internal/window"
)

// Counter counts parcels in the per-recipient day totals. Apply must be
// idempotent: the same ops applied again return the first results. It
// must not keep ops after it returns: the processor reuses them.
type Counter interface {
	Apply(ctx context.Context, ops []window.Op) ([]window.Result, error)
}

// MaxRejectedBytes bounds a rejected.v1 record: below Kafka's default
// max.message.bytes (1,048,588) with room for the record batch's own
// header, the record's and the key, so the DLQ topic at its default limit
// always takes it. The producer's batches are bounded to match
// (consume.MaxBatchBytes).
const MaxRejectedBytes = 1_000_000

// Linker resolves parcels' phone and email links to the recipient key they
// were first seen with (window.Store.Link).
type Linker interface {
	// Resolve returns each request's recipient key, and the writes that
	// record them, which must succeed before the batch is published.
	Resolve(ctx context.Context, reqs []window.LinkRequest) ([]string, func(context.Context) error, error)
}

// Recorder keeps published decisions and alerts for explanations and
// queries (window.Store.Record).
type Recorder interface {
	Record(ctx context.Context, parcels []window.ParcelRecord, alerts []window.AlertRecord) error
}

// Input is one message read from the input topic.
type Input struct {
	Key, Value []byte
	Source     event.Source
}

// Output is one message to publish.
type Output struct {
	Topic      string
	Key, Value []byte
	// What Value says, for a caller that counts outputs without decoding
	// them (replay's summary): the input's source; for a decision its
	// entry date, decision and reasons; for a rejection its error.
	Source    event.Source
	EntryDate string
	Decision  string
	Reasons   []string
	Rejection string
}

// Topics names the output topics.
type Topics struct {
	Cleared string // default "parcels.cleared"
	Formal  string // default "parcels.formal-entry-required"
	Alerts  string // default "alerts.split-shipment"
	DLQ     string // default "manifests.dlq"
}

// DefaultTopics returns the contract's default output topics.
func DefaultTopics() Topics {
	return Topics{
		Cleared: "parcels.cleared",
		Formal:  "parcels.formal-entry-required",
		Alerts:  "alerts.split-shipment",
		DLQ:     "manifests.dlq",
	}
}

// Config configures a Processor.
type Config struct {
	Topics Topics
	// EntryDayZone is the time zone of entry dates. Default America/New_York.
	EntryDayZone *time.Location
	// MaxMessageBytes is the largest input message decided; a larger one is
	// rejected to the DLQ. Default 1 MiB.
	MaxMessageBytes int
	// ClusterNames is how many distinct recipient names at one address on
	// one day, with a total above the threshold, raise an address_cluster
	// alert. Default 3; 0 raises none.
	ClusterNames int
}

// Validate reports a configuration the Processor cannot work with.
func (c Config) Validate() error {
	var errs []error
	if c.EntryDayZone == nil {
		errs = append(errs, errors.New("entry-day time zone: required"))
	}
	if c.MaxMessageBytes < 1 {
		errs = append(errs, fmt.Errorf("max message bytes %d: must be at least 1", c.MaxMessageBytes))
	}
	if c.ClusterNames < 0 || c.ClusterNames == 1 {
		errs = append(errs, fmt.Errorf("address cluster names %d: must be 0 (off) or at least 2", c.ClusterNames))
	}
	for name, topic := range map[string]string{"cleared": c.Topics.Cleared, "formal": c.Topics.Formal, "alerts": c.Topics.Alerts, "dlq": c.Topics.DLQ} {
		if topic == "" {
			errs = append(errs, fmt.Errorf("%s topic: required", name))
		}
	}
	return errors.Join(errs...)
}

// Deps are what a Processor decides with.
type Deps struct {
	// Regimes is the live regime table. Required.
	Regimes *decide.Table
	// Rates converts non-USD item values; nil accepts USD only.
	Rates *fx.Rates
	// Keyer hashes recipients. Required.
	Keyer *identity.Keyer
	// Counter keeps the live day totals. Required.
	Counter Counter
	// Linker links parcels by phone and email; nil links nothing.
	Linker Linker
	// Recorder keeps decisions and alerts for explanations; nil keeps none.
	Recorder Recorder
	// ShadowRegimes and ShadowCounter, when both set, evaluate every parcel
	// a second time, for what-if, with day totals of their own.
	ShadowRegimes *decide.Table
	ShadowCounter Counter
}

// StageObserver is told how long each Redis stage of a batch took, in
// seconds: "link" (resolving phone and email links), "count" (the day
// totals, the what-if totals included, while the new links are recorded)
// and "record" (decisions kept for explain).
type StageObserver interface {
	ObserveStage(stage string, seconds float64)
}

// ObserveStages reports every batch's stages to o. Call it before the
// first batch.
func (p *Processor) ObserveStages(o StageObserver) { p.stages = o }

// stage reports the stage that began at start, when anyone listens.
func (p *Processor) stage(name string, start time.Time) {
	if p.stages != nil {
		p.stages.ObserveStage(name, time.Since(start).Seconds())
	}
}

// Processor decides batches of parcels. It is safe for concurrent use by
// the workers of several partitions; the tables can be swapped while it
// runs (SetRegimes, SetRates), and each batch uses one version throughout.
type Processor struct {
	cfg           Config
	regimes       atomic.Pointer[decide.Table]
	rates         atomic.Pointer[fx.Rates]
	shadow        atomic.Pointer[decide.Table]
	keyer         *identity.Keyer
	counter       Counter
	linker        Linker
	recorder      Recorder
	shadowCounter Counter
	stages        StageObserver
	stats         Stats
	// scratches are batches' scratch, reused (*scratch).
	scratches sync.Pool
}

// scratch is what one batch works in that nothing outlives the batch:
// about a megabyte at a thousand parcels, so it is reused rather than
// left to the collector. It is cleared before it goes back to the pool,
// which keeps no manifest alive and hands out zeroed parcels.
type scratch struct {
	parcels []parcel
	rejects []string
	ops     []window.Op
}

// getScratch returns a cleared scratch with room for n messages.
func (p *Processor) getScratch(n int) *scratch {
	s, _ := p.scratches.Get().(*scratch)
	if s == nil {
		s = new(scratch)
	}
	if cap(s.parcels) < n {
		s.parcels, s.rejects = make([]parcel, n), make([]string, n)
	}
	s.parcels, s.rejects = s.parcels[:n], s.rejects[:n]
	if cap(s.ops) < 3*n {
		s.ops = make([]window.Op, 0, 3*n)
	}
	return s
}

// putScratch clears s and returns it to the pool.
func (p *Processor) putScratch(s *scratch) {
	clear(s.parcels)
	clear(s.rejects)
	clear(s.ops[:cap(s.ops)])
	s.ops = s.ops[:0]
	p.scratches.Put(s)
}

// New returns a Processor.
func New(cfg Config, deps Deps) (*Processor, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("process config: %w", err)
	}
	if deps.Regimes == nil || deps.Keyer == nil || deps.Counter == nil {
		return nil, errors.New("process: regimes, keyer and counter are required")
	}
	if (deps.ShadowRegimes == nil) != (deps.ShadowCounter == nil) {
		return nil, errors.New("process: shadow regimes and shadow counter go together")
	}
	p := &Processor{cfg: cfg, keyer: deps.Keyer, counter: deps.Counter, linker: deps.Linker, recorder: deps.Recorder, shadowCounter: deps.ShadowCounter}
	p.regimes.Store(deps.Regimes)
	p.rates.Store(deps.Rates)
	p.shadow.Store(deps.ShadowRegimes)
	return p, nil
}

// Preparer is a Counter that can load what it needs ahead of the first
// batch (the window's Lua script).
type Preparer interface {
	Load(ctx context.Context) error
}

// Prepare readies the counters for the first batch; processing works
// without it, and retries on its own.
func (p *Processor) Prepare(ctx context.Context) error {
	for _, c := range []Counter{p.counter, p.shadowCounter} {
		if prep, ok := c.(Preparer); ok {
			if err := prep.Load(ctx); err != nil {
				return err
			}
		}
	}
	return nil
}

// Regimes returns the live regime table.
func (p *Processor) Regimes() *decide.Table { return p.regimes.Load() }

// SetRegimes replaces the live regime table for the batches that start
// after it.
func (p *Processor) SetRegimes(t *decide.Table) { p.regimes.Store(t) }

// ShadowRegimes returns the what-if table, or nil.
func (p *Processor) ShadowRegimes() *decide.Table { return p.shadow.Load() }

// SetShadowRegimes replaces the what-if table; it needs a shadow counter
// from New.
func (p *Processor) SetShadowRegimes(t *decide.Table) {
	if p.shadowCounter != nil && t != nil {
		p.shadow.Store(t)
	}
}

// Rates returns the exchange rates in force, or nil.
func (p *Processor) Rates() *fx.Rates { return p.rates.Load() }

// SetRates replaces the exchange rates for the batches that start after it.
func (p *Processor) SetRates(r *fx.Rates) { p.rates.Store(r) }

// Stats returns the counters of what the processor has published.
func (p *Processor) Stats() *Stats { return &p.stats }

// tables are the versions one batch is decided with, and what the batch
// worked out of their regimes.
type tables struct {
	live, shadow *decide.Table
	rates        *fx.Rates
	facts        *batchFacts
	// items are the batch's decide.Items, handed out a parcel at a time.
	items *itemSlab
	// declared is the map a decision's declared_values are encoded from,
	// refilled for each.
	declared map[string]string
	// dates are the entry dates' texts the batch has met.
	dates *dateTexts
}

// dateTexts keeps the text of the last entry dates written: a batch's
// parcels arrive within a few days, so most find theirs here rather than
// allocate it again.
type dateTexts struct {
	dates [4]decide.Date
	texts [4]string
	next  int
}

// text returns d.String(), from the kept ones when it is there.
func (t *dateTexts) text(d decide.Date) string {
	for i, kept := range t.dates {
		if kept == d && t.texts[i] != "" {
			return t.texts[i]
		}
	}
	text := d.String()
	t.dates[t.next], t.texts[t.next] = d, text
	t.next = (t.next + 1) % len(t.dates)
	return text
}

// itemSlab hands out slices of one array, so a batch's parcels do not
// allocate their items one by one. A slice handed out is capped at its
// own end; when the array is used up, the next is allocated and the
// slices already handed out keep the old one.
type itemSlab struct{ free []decide.Item }

// take returns n zeroed items.
func (s *itemSlab) take(n int) []decide.Item {
	if n > len(s.free) {
		s.free = make([]decide.Item, max(n, 4096))
	}
	items := s.free[:n:n]
	s.free = s.free[n:]
	return items
}

// regimeFacts are what every parcel under one regime needs of it: its
// threshold's text. A batch works them out once per regime it meets, not
// once per parcel.
type regimeFacts struct {
	regime *decide.Regime
	// threshold is the threshold's text; nil when the regime has none.
	threshold *string
}

// batchFacts are the facts of the regimes one batch has met, a few at
// most.
type batchFacts []*regimeFacts

// of returns r's facts, working them out on first use.
func (b *batchFacts) of(r *decide.Regime) *regimeFacts {
	for _, f := range *b {
		if f.regime == r {
			return f
		}
	}
	f := &regimeFacts{regime: r, threshold: thresholdText(r)}
	*b = append(*b, f)
	return f
}

// parcel is a message on its way through a batch: decoded and screened,
// waiting for its day totals.
type parcel struct {
	in       *Input
	m        *manifest.Manifest
	regime   *regimeFacts
	shadow   *regimeFacts // nil without a shadow table
	decided  decide.Parcel
	date     string
	recipKey string // after linking
	// links are the link keys of the recipient's phone and email; none
	// when hasLinks is false.
	links    [2]string
	hasLinks bool
	value    string      // parcel value in USD, as written
	declared fx.Declared // original amounts by currency
	op       window.Op   // the recipient-day op; the others derive from it

	// Indexes of the parcel's ops in the batch's ops: its recipient's day,
	// its order (-1: none) and its address's day (-1: none), and the keys of
	// the order and the address.
	dayOp, orderOp, addrOp int
	orderKey, addrKey      string
	// nameKey is the link key of the recipient's name, the member of its
	// address's day; with addrKey, set only when address clusters are on.
	nameKey string

	// What decide published, kept for explanations.
	record window.ParcelRecord
	alerts []window.AlertRecord
}

// Process decides a batch of messages of one partition, in offset order,
// and returns the messages to publish, in the same order. An error means
// the day totals could not be reached; nothing of the batch is counted
// twice when the caller retries it whole, which it must do.
//
// Redis is reached in one pipelined round trip for the counting (every
// parcel's recipient day, order and address day), one for the what-if
// totals when configured, and two before them for phone and email links
// when a parcel of the batch has any.
func (p *Processor) Process(ctx context.Context, batch []Input, now time.Time) ([]Output, error) {
	tabs := tables{live: p.regimes.Load(), shadow: p.shadow.Load(), rates: p.rates.Load(),
		facts: new(batchFacts), items: new(itemSlab), declared: make(map[string]string, 1), dates: new(dateTexts)}
	work := p.getScratch(len(batch))
	defer p.putScratch(work)
	parcels := work.parcels
	rejects := work.rejects // non-empty: the message's rejection
	for i := range batch {
		if err := p.prepare(tabs, &batch[i], &parcels[i]); err != nil {
			rejects[i] = err.Error()
		}
	}
	started := time.Now()
	writeLinks, err := p.link(ctx, parcels, rejects)
	if err != nil {
		return nil, err
	}
	p.stage("link", started)

	ops := work.ops
	var shadowOps []window.Op
	for i := range parcels {
		if rejects[i] != "" {
			continue
		}
		pc := &parcels[i]
		ops = p.appendOps(ops, pc)
		if tabs.shadow != nil {
			shadowOp := pc.op
			shadowOp.Subject, shadowOp.Regime = pc.recipKey, pc.shadow.regime
			shadowOps = append(shadowOps, shadowOp)
		}
	}
	work.ops = ops // grown, if it had to
	// The links are recorded while the ops are counted with the keys they
	// gave: one round trip less to wait for, and both are done before
	// anything is published.
	started = time.Now()
	linksWritten := make(chan error, 1)
	if writeLinks != nil {
		go func() { linksWritten <- writeLinks(ctx) }()
	} else {
		linksWritten <- nil
	}
	results, err := apply(ctx, p.counter, ops)
	var shadowResults []window.Result
	if err == nil {
		if shadowResults, err = apply(ctx, p.shadowCounter, shadowOps); err != nil {
			err = fmt.Errorf("shadow: %w", err)
		}
	}
	if linkErr := <-linksWritten; err == nil {
		err = linkErr
	}
	if err != nil {
		return nil, err
	}
	p.stage("count", started)

	decidedAt := event.FormatTime(now)
	outputs := make([]Output, 0, len(batch)+len(batch)/4)
	out := make(outBuf, 0, outBytesPerMessage*len(batch))
	var tally tally
	shadowNext := 0
	for i := range batch {
		if rejects[i] == "" {
			pc := &parcels[i]
			var shadowRes *window.Result
			if shadowResults != nil {
				shadowRes = &shadowResults[shadowNext]
				shadowNext++
			}
			reason, err := p.decide(tabs, pc, results, shadowRes, decidedAt, &tally, &out, &outputs)
			if err != nil {
				return nil, err
			}
			if reason == "" {
				continue
			}
			rejects[i] = reason
		}
		outputs = append(outputs, p.reject(&batch[i], rejects[i], now, &out))
		tally.rejected++
		tally.rejectedBy[rejectClass(rejects[i])]++
	}
	started = time.Now()
	if err := p.record(ctx, parcels); err != nil {
		return nil, err
	}
	p.stage("record", started)
	p.stats.add(&tally)
	return outputs, nil
}

// record keeps the batch's decisions and alerts for explanations.
func (p *Processor) record(ctx context.Context, parcels []parcel) error {
	if p.recorder == nil {
		return nil
	}
	records := make([]window.ParcelRecord, 0, len(parcels))
	var alerts []window.AlertRecord
	for i := range parcels {
		if parcels[i].record.Decision != nil {
			records = append(records, parcels[i].record)
		}
		alerts = append(alerts, parcels[i].alerts...)
	}
	return p.recorder.Record(ctx, records, alerts)
}

func apply(ctx context.Context, counter Counter, ops []window.Op) ([]window.Result, error) {
	if len(ops) == 0 {
		return nil, nil
	}
	return counter.Apply(ctx, ops)
}

// link replaces each parcel's recipient key by the one its phone or email
// was first seen with, if any, and returns the writes that record the
// links, to be done before the batch is published; nil when there are
// none.
func (p *Processor) link(ctx context.Context, parcels []parcel, rejects []string) (func(context.Context) error, error) {
	if p.linker == nil {
		return nil, nil
	}
	var reqs []window.LinkRequest
	var idx []int
	for i := range parcels {
		if rejects[i] == "" && parcels[i].hasLinks {
			reqs = append(reqs, window.LinkRequest{Links: parcels[i].links[:], Own: parcels[i].recipKey,
				ParcelID: parcels[i].m.ParcelID, EntryDate: parcels[i].date})
			idx = append(idx, i)
		}
	}
	if len(reqs) == 0 {
		return nil, nil
	}
	keys, write, err := p.linker.Resolve(ctx, reqs)
	if err != nil {
		return nil, err
	}
	for j, i := range idx {
		parcels[i].recipKey = keys[j]
	}
	return write, nil
}

// appendOps appends the parcel's ops: its recipient's day, its order (when
// it names one) and its address's day (when address clusters are on).
func (p *Processor) appendOps(ops []window.Op, pc *parcel) []window.Op {
	day := pc.op
	day.Subject = pc.recipKey
	pc.dayOp, pc.orderOp, pc.addrOp = len(ops), -1, -1
	ops = append(ops, day)
	// The order and address totals only raise alerts: no gift total (and
	// no outcome to keep, which the rules keep for a recipient's day only).
	alertOnly := day
	alertOnly.Gift = false
	if pc.orderKey = p.keyer.OrderKey(pc.m.Seller, pc.m.Marketplace, pc.m.OrderID); pc.orderKey != "" {
		order := alertOnly
		order.Scope, order.Subject = window.ScopeOrder, pc.orderKey
		pc.orderOp = len(ops)
		ops = append(ops, order)
	}
	if p.cfg.ClusterNames > 0 {
		addr := alertOnly
		addr.Scope, addr.Subject = window.ScopeAddressDay, pc.addrKey
		addr.Member = pc.nameKey
		addr.MinMembers = p.cfg.ClusterNames
		pc.addrOp = len(ops)
		ops = append(ops, addr)
	}
	return ops
}

// prepare decodes and screens one message into pc. Its error is the
// rejection: it names the field and the rule.
func (p *Processor) prepare(tabs tables, in *Input, pc *parcel) error {
	if len(in.Value) > p.cfg.MaxMessageBytes {
		return fmt.Errorf("message: %d bytes is over the %d-byte limit", len(in.Value), p.cfg.MaxMessageBytes)
	}
	m, err := manifest.Decode(in.Value)
	if err != nil {
		return err
	}
	regime := tabs.live.At(m.ArrivalTime)
	if regime == nil {
		return &manifest.FieldError{Field: "arrival_time", Rule: "no regime in force at " + event.FormatTime(m.ArrivalTime)}
	}
	// The day of importation is the date at the port (19 CFR 101.1); the
	// configured zone serves parcels without a port the table knows.
	zone := p.cfg.EntryDayZone
	if portZone, ok := port.Builtin().Zone(m.PortOfEntry); ok {
		zone = portZone
	}
	date := tabs.dates.text(decide.EntryDate(m.ArrivalTime, zone))
	// Foreign values convert at the rate of the date of exportation when
	// the manifest gives it (19 CFR 159.32), else of the entry date.
	rateDate := date
	if m.ExportDate != "" {
		rateDate = m.ExportDate
	}
	value, valueText, declared, err := valueInUSD(m, tabs.rates, rateDate, m.ExportDate != "")
	if err != nil {
		return err
	}
	cents, err := money.Cents(value)
	if err != nil {
		return &manifest.FieldError{Field: "items", Rule: "parcel value " + err.Error()}
	}
	items := tabs.items.take(len(m.Items))
	for i, item := range m.Items {
		items[i] = decide.Item{HTSCode: item.HTSCode, OriginCountry: item.OriginCountry, Category: item.Category}
	}
	recipient := recipientOf(m)
	*pc = parcel{
		in:     in,
		m:      m,
		regime: tabs.facts.of(regime),
		decided: decide.Parcel{
			Value:          value,
			Items:          items,
			Postal:         m.Mode == "postal",
			Purchase:       isPurchase(m),
			ShipperCountry: m.Shipper.Country,
		},
		date:     date,
		value:    valueText,
		declared: declared,
	}
	if p.cfg.ClusterNames > 0 {
		// The address key and the name's link key too, normalizing once.
		keys := p.keyer.Keys(recipient)
		pc.recipKey, pc.addrKey, pc.nameKey = keys.Recipient, keys.Address, keys.Name
	} else {
		pc.recipKey = p.keyer.Key(recipient)
	}
	if p.linker != nil && (recipient.Phone != "" || recipient.Email != "") {
		pc.links = [2]string{
			p.keyer.LinkKey(identity.LinkPhone, identity.NormalizePhone(recipient.Phone)),
			p.keyer.LinkKey(identity.LinkEmail, identity.NormalizeEmail(recipient.Email)),
		}
		pc.hasLinks = true
	}
	pc.op = window.Op{
		Kind:       window.Kind(m.Type),
		EventID:    m.EventID,
		EntryDate:  date,
		ParcelID:   m.ParcelID,
		Carrier:    m.Carrier,
		ValueCents: cents,
		Scale:      money.Places(value),
		// A purchase is no bona fide gift whatever it declares: it neither
		// counts toward the recipient's gifts nor is cleared as one.
		Gift:   m.Gift && !pc.decided.Purchase,
		Regime: regime,
		Parcel: &pc.decided,
	}
	if tabs.shadow != nil {
		shadow := tabs.shadow.At(m.ArrivalTime)
		if shadow == nil {
			return &manifest.FieldError{Field: "arrival_time", Rule: "no shadow regime in force at " + event.FormatTime(m.ArrivalTime)}
		}
		pc.shadow = tabs.facts.of(shadow)
	}
	return nil
}

// isPurchase reports whether the manifest names a seller, a marketplace or
// an order number: the parcel was bought (19 CFR 10.152).
func isPurchase(m *manifest.Manifest) bool {
	return strings.TrimSpace(m.Seller) != "" || strings.TrimSpace(m.Marketplace) != "" || strings.TrimSpace(m.OrderID) != ""
}

// valueInUSD sums the items' values in US dollars, converting each item in
// another currency with the rate in force on date (the date of exportation
// when exportDate, else the entry date), and sums the amounts as declared,
// by currency. It also returns the total's text.
func valueInUSD(m *manifest.Manifest, rates *fx.Rates, date string, exportDate bool) (decimal.Decimal, string, fx.Declared, error) {
	sum := fx.NewSum(rates, date)
	for i, item := range m.Items {
		if err := sum.Add(item.Value, item.Currency); err != nil {
			rule := err.Error()
			if exportDate {
				rule += ", the export_date"
			}
			if rates.Len() == 0 {
				rule += " (no exchange rates are configured: --fx-rates)"
			}
			return decimal.Decimal{}, "", fx.Declared{}, &manifest.FieldError{Field: "items[" + strconv.Itoa(i) + "].currency", Rule: rule}
		}
	}
	value, text, declared := sum.Total()
	return value, text, declared, nil
}

func recipientOf(m *manifest.Manifest) identity.Recipient {
	r := m.Recipient
	return identity.Recipient{
		Name: r.Name, AddressLine1: r.AddressLine1, AddressLine2: r.AddressLine2,
		PostalCode: r.PostalCode, Country: r.Country, Phone: r.Phone, Email: r.Email,
	}
}

// evaluate decides a counted parcel under r with the totals of res: as
// the counting rules decided it, or for a duplicate, again.
func evaluate(r *decide.Regime, pc *parcel, res window.Result) decide.Result {
	if result, ok := res.Decided(); ok {
		return result
	}
	if pc.op.Gift {
		return decide.DecideGift(r, pc.decided, res.Total, res.GiftTotal)
	}
	return decide.Decide(r, pc.decided, res.Total)
}

// outBytesPerMessage is about what a decision takes encoded, so that a
// batch's outBuf rarely grows.
const outBytesPerMessage = 768

// outBuf holds a batch's encoded outputs back to back: each output's value
// (and key) is a slice of it capped at its own end, so appending the next
// never writes into it. When it grows, the slices already taken keep the
// old array. One allocation per batch instead of several per output.
type outBuf []byte

// since returns what was appended from start on.
func (b outBuf) since(start int) []byte { return b[start:len(b):len(b)] }

// text appends s and returns it.
func (b *outBuf) text(s string) []byte {
	start := len(*b)
	*b = append(*b, s...)
	return b.since(start)
}

// decide builds the decision (and the alert, if any) of a counted event,
// encoded into out, and appends them to outputs. A non-empty reason
// instead rejects the message: an amend or cancel that found nothing to
// change.
func (p *Processor) decide(tabs tables, pc *parcel, results []window.Result, shadowRes *window.Result, decidedAt string, tally *tally,
	out *outBuf, outputs *[]Output) (string, error) {
	m := pc.m
	res := results[pc.dayOp]
	switch res.Status {
	case window.StatusOK:
	case window.StatusUnknown:
		return "parcel_id: no parcel " + m.ParcelID + " was counted for this recipient on " + pc.date + " to " + string(m.Type), nil
	case window.StatusCancelled:
		return "parcel_id: parcel " + m.ParcelID + " is cancelled already", nil
	case window.StatusSameEvent:
		return "event_id: an " + string(m.Type) + " needs an event_id of its own, not the one of the decision it replaces", nil
	case window.StatusOtherCarrier:
		return "carrier: an " + string(m.Type) + " must come from the carrier that sent parcel " + m.ParcelID, nil
	case window.StatusOverflow:
		return "items: the recipient's total for " + pc.date + " would exceed the largest amount the processor represents (92,233,720,368,547,758.07)", nil
	default:
		return "", fmt.Errorf("day total: unknown status %q", res.Status)
	}

	result := evaluate(pc.regime.regime, pc, res)
	decision := string(result.Decision)
	topic := p.cfg.Topics.Formal
	if result.Decision == decide.Cleared {
		topic = p.cfg.Topics.Cleared
	}
	reasons := reasonStrings(result.Reasons)
	entryType := string(result.EntryType)
	var exemption, supersedes *string
	if result.Exemption != "" {
		e := string(result.Exemption)
		exemption = &e
	}
	if m.Type != manifest.TypeParcel {
		id := event.DecisionID(res.Superseded, m.ParcelID)
		supersedes = &id
	}
	if m.Type == manifest.TypeCancel {
		decision, reasons, entryType, exemption = event.DecisionCancelled, []string{}, EntryTypeNone, nil
		topic = p.cfg.Topics.Formal
		if res.SupersededOutcome == window.OutcomeCleared {
			topic = p.cfg.Topics.Cleared
		}
	}
	threshold := pc.regime.threshold
	pc.declared.Fill(tabs.declared)
	d := event.Decision{
		Schema:            event.SchemaDecision,
		DecisionID:        event.DecisionID(m.EventID, m.ParcelID),
		EventID:           m.EventID,
		ParcelID:          m.ParcelID,
		Carrier:           m.Carrier,
		Mode:              m.Mode,
		ArrivalTime:       m.ArrivalTime.UTC().Format(time.RFC3339Nano),
		EntryDate:         pc.date,
		Decision:          decision,
		Reasons:           reasons,
		Regime:            pc.regime.regime.ID,
		Threshold:         threshold,
		ParcelValue:       pc.value,
		RecipientKey:      pc.recipKey,
		RecipientDayTotal: money.Format(res.Total),
		EntryType:         entryType,
		Source:            pc.in.Source,
		DecidedAt:         decidedAt,
		Exemption:         exemption,
		RegimeVersion:     tabs.live.Version(),
		DeclaredValues:    tabs.declared,
		Supersedes:        supersedes,
	}
	if shadowRes != nil {
		d.Shadow = p.shadowOf(tabs, pc, *shadowRes, d.Decision, tally)
	}
	start := len(*out)
	*out = d.AppendJSON(*out)
	value := out.since(start)
	*outputs = append(*outputs, Output{Topic: topic, Key: out.text(m.ParcelID), Value: value,
		Source: pc.in.Source, EntryDate: pc.date, Decision: decision, Reasons: reasons})
	pc.record = window.ParcelRecord{ParcelID: m.ParcelID, DecisionID: d.DecisionID, EntryDate: pc.date, Decision: value}
	if p.recorder != nil {
		pc.record.Alerts = p.alertRefs(pc)
	}
	tally.count(m.Type, result, res.Duplicate)

	if m.Type == manifest.TypeParcel {
		for _, a := range p.alerts(pc, results, threshold, decidedAt) {
			start := len(*out)
			*out = a.AppendJSON(*out)
			value := out.since(start)
			start = len(*out)
			*out = a.AppendKey(*out)
			*outputs = append(*outputs, Output{Topic: p.cfg.Topics.Alerts, Key: out.since(start), Value: value,
				Source: pc.in.Source, EntryDate: pc.date})
			pc.alerts = append(pc.alerts, window.AlertRecord{AlertID: a.AlertID, EntryDate: a.EntryDate, Version: a.Version, Alert: value})
			if ref := (window.AlertRef{EntryDate: a.EntryDate, AlertID: a.AlertID}); !slices.Contains(pc.record.Alerts, ref) {
				pc.record.Alerts = append(pc.record.Alerts, ref)
			}
			tally.countAlert(a.Type)
		}
	}
	return "", nil
}

// EntryTypeNone is the entry_type of a cancelled parcel: it needs none.
const EntryTypeNone = "none"

// shadowOf evaluates the parcel against the what-if table.
func (p *Processor) shadowOf(tabs tables, pc *parcel, res window.Result, live string, tally *tally) *event.Shadow {
	s := &event.Shadow{
		Regime:            pc.shadow.regime.ID,
		RecipientDayTotal: money.Format(res.Total),
		RegimeVersion:     tabs.shadow.Version(),
		Reasons:           []string{},
	}
	switch {
	case res.Status != window.StatusOK:
		s.Decision = "rejected"
	case pc.m.Type == manifest.TypeCancel:
		s.Decision = event.DecisionCancelled
	default:
		result := evaluate(pc.shadow.regime, pc, res)
		s.Decision, s.Reasons = string(result.Decision), reasonStrings(result.Reasons)
	}
	tally.shadowed++
	if s.Decision != live {
		tally.shadowDiffers++
	}
	return s
}

func reasonStrings(reasons []decide.Reason) []string {
	out := make([]string, len(reasons))
	for i, r := range reasons {
		out[i] = string(r)
	}
	return out
}

func thresholdText(r *decide.Regime) *string {
	if !r.HasThreshold {
		return nil
	}
	text := money.Format(r.Threshold)
	return &text
}

// alerts builds the alerts the parcel publishes: a version of each alert
// of its recipient's day, its order and its address's day that is raised.
func (p *Processor) alerts(pc *parcel, results []window.Result, threshold *string, raisedAt string) []event.Alert {
	basis := event.AlertBasis{RecipientKey: pc.recipKey, EntryDate: pc.date, Regime: pc.regime.regime.ID,
		Threshold: threshold, TriggerParcelID: pc.m.ParcelID, RaisedAt: raisedAt}
	var out []event.Alert
	if res := results[pc.dayOp]; res.AlertVersion > 0 {
		out = append(out, event.NewSplitShipment(basis, alertCount(res)))
	}
	if pc.orderOp >= 0 {
		if res := results[pc.orderOp]; res.AlertVersion > 0 {
			out = append(out, event.NewSplitOrder(basis, pc.orderKey, alertCount(res)))
		}
	}
	if pc.addrOp >= 0 {
		if res := results[pc.addrOp]; res.AlertVersion > 0 {
			out = append(out, event.NewAddressCluster(basis, pc.addrKey, p.cfg.ClusterNames, alertCount(res)))
		}
	}
	return out
}

// alertCount is what an alert's subject counted, from its result.
func alertCount(res window.Result) event.AlertCount {
	return event.AlertCount{
		Total:     money.Format(res.Total),
		ParcelIDs: res.AlertParcels,
		Carriers:  distinctSorted(res.AlertCarriers, window.MaxAlertCarriers),
		Parcels:   res.Seq,
		Version:   res.AlertVersion,
	}
}

// alertRefs names the alerts of the parcel's subjects, each of which lists
// the parcel once raised: its recipient's day, its address's day, and its
// order's as kept on the parcel's entry date (an order's alert is kept
// on the day of the parcel that published its latest version, which
// names it too).
func (p *Processor) alertRefs(pc *parcel) []window.AlertRef {
	refs := make([]window.AlertRef, 1, 3)
	refs[0] = window.AlertRef{EntryDate: pc.date, AlertID: event.AlertID(event.AlertSplitShipment, pc.recipKey, pc.date)}
	if pc.orderOp >= 0 {
		refs = append(refs, window.AlertRef{EntryDate: pc.date, AlertID: event.AlertID(event.AlertSplitOrder, pc.orderKey, "")})
	}
	if pc.addrOp >= 0 {
		refs = append(refs, window.AlertRef{EntryDate: pc.date, AlertID: event.AlertID(event.AlertAddressCluster, pc.addrKey, pc.date)})
	}
	return refs
}

// reject encodes the message's rejection into out.
func (p *Processor) reject(in *Input, reason string, now time.Time, out *outBuf) Output {
	// A DLQ record is at most MaxMessageBytes and MaxRejectedBytes: a
	// record the broker refused would stop the partition. The message is
	// copied whole when that fits (escaped as JSON text, or base64); else
	// its first part, marked raw_truncated.
	limit := min(p.cfg.MaxMessageBytes, MaxRejectedBytes)
	maxRaw := 0
	start := len(*out)
	for {
		rejected := event.NewRejected(reason, in.Source, in.Value, maxRaw, now)
		*out = rejected.AppendJSON(*out)
		if len(*out)-start <= limit || maxRaw == 1 {
			break
		}
		*out = (*out)[:start]
		if maxRaw == 0 {
			maxRaw = min(len(in.Value), limit)
		}
		maxRaw = max(maxRaw/2, 1)
	}
	return Output{Topic: p.cfg.Topics.DLQ, Key: in.Key, Value: out.since(start), Source: in.Source, Rejection: reason}
}

// distinctSorted returns the distinct values, sorted, at most limit of
// them (the first limit in sorted order).
func distinctSorted(values []string, limit int) []string {
	out := slices.Clone(values)
	slices.Sort(out)
	out = slices.Compact(out)
	return out[:min(len(out), limit)]
}
