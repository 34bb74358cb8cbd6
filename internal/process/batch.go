package process

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
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

// batch is one call of Process on its way through the stages: the tables
// it is decided with, what each stage leaves for the next, and the
// buffers it works in. A message is a parcel until a stage rejects it;
// from then on rejects[i] says why (reject.go), and no later stage but
// encode looks at it.
type batch struct {
	p      *Processor
	inputs []Input
	now    time.Time

	// The versions of the tables the whole batch is decided with: one
	// each, though they can be swapped while it runs.
	live, shadow *decide.Table
	rates        *fx.Rates

	// scratch holds the parcels, the rejections and the ops, indexed
	// like inputs (ops: by parcel.dayOp and the others).
	*scratch

	// Left by link for count: the writes that record new links; nil
	// when there are none.
	writeLinks func(context.Context) error
	// Left by count for decide: the answers to ops, and to the what-if
	// ops (one per counted parcel, in order; nil without a shadow table).
	results, shadowResults []window.Result

	// Left by encode: what Process returns, its bytes in out.
	outputs []Output
	out     outBuf
	// tally counts what decide and encode published; Process adds it to
	// Stats once the batch is done.
	tally tally

	decidedAt string // now, as decision.v1 and alert.v1 write it
	// declared is the map every decision's declared_values is encoded
	// from, refilled for each.
	declared map[string]string
}

// newBatch begins a batch of inputs with the tables in force.
func (p *Processor) newBatch(inputs []Input, now time.Time) *batch {
	return &batch{
		p: p, inputs: inputs, now: now,
		live: p.regimes.Load(), shadow: p.shadow.Load(), rates: p.rates.Load(),
		scratch:   p.getScratch(len(inputs)),
		decidedAt: event.FormatTime(now),
		declared:  make(map[string]string, 1),
	}
}

// parcel is a message on its way through a batch: decoded and screened,
// counted, decided, encoded.
type parcel struct {
	// Left by prepare.
	in       *Input
	m        *manifest.Manifest
	regime   *regimeFacts
	shadow   *regimeFacts // nil without a shadow table
	decided  decide.Parcel
	date     string
	recipKey string // replaced by link
	// links are the link keys of the recipient's phone and email; none
	// when hasLinks is false.
	links    [2]string
	hasLinks bool
	value    string      // parcel value in USD, as written
	declared fx.Declared // original amounts by currency
	op       window.Op   // the recipient-day op; the others derive from it

	// Left by count: the indexes of the parcel's ops in the batch's ops:
	// its recipient's day, its order (-1: none) and its address's day (-1:
	// none), and the keys of the order and the address.
	dayOp, orderOp, addrOp int
	orderKey, addrKey      string
	// nameKey is the link key of the recipient's name, the member of its
	// address's day; with addrKey, set only when address clusters are on.
	nameKey string

	// Left by decide: the decision, the topic it goes to, and the alerts
	// the parcel raised, all still to encode.
	decision event.Decision
	// giftRefusal is why the parcel's gift claim was not honoured, when it
	// claimed one and was not cleared as a gift.
	giftRefusal decide.GiftRefusal
	topic       string
	raised      []event.Alert

	// Left by encode, for record: what was published, kept for
	// explanations.
	record window.ParcelRecord
	alerts []window.AlertRecord
}

// prepare decodes and screens each message into its parcel: the regime
// in force at its arrival, its entry date, its value in dollars, its
// recipient's keys. A message that breaks a rule is rejected.
//
// Each message is prepared on its own, so a large batch is split into
// runs of consecutive messages prepared on all the processor's threads at
// once; each run writes only its own parcels and rejections, so the
// result is the same, in the same order, as prepared one by one.
func (b *batch) prepare(context.Context) error {
	runs := min(runtime.GOMAXPROCS(0), len(b.inputs)/minPrepareRun)
	if runs < 2 {
		b.prepareRun(0, len(b.inputs))
		return nil
	}
	var wg sync.WaitGroup
	for r := range runs {
		from, to := r*len(b.inputs)/runs, (r+1)*len(b.inputs)/runs
		wg.Go(func() { b.prepareRun(from, to) })
	}
	wg.Wait()
	return nil
}

// minPrepareRun is the fewest messages prepared on a thread of their own:
// below it, starting a goroutine costs more than it saves. A message takes
// about 4 µs to prepare (BenchmarkPrepare on one thread).
const minPrepareRun = 128

// prepareRun prepares the messages from to to (not included).
func (b *batch) prepareRun(from, to int) {
	// A run's slab holds its items: parcels carry one to three.
	prep := preparer{items: itemSlab{size: 3 * (to - from)}}
	for i := from; i < to; i++ {
		b.rejects[i] = b.prepareParcel(&b.inputs[i], &b.parcels[i], &prep)
	}
}

// preparer is what one run of prepare keeps between its parcels, its
// own so that runs can work at once: the slab their items are taken
// from, the texts of the entry dates met, the facts of the regimes met.
type preparer struct {
	facts batchFacts
	items itemSlab
	dates dateTexts
}

// prepareParcel decodes and screens one message into pc. Its error is the
// rejection: it names the field and the rule.
func (b *batch) prepareParcel(in *Input, pc *parcel, prep *preparer) error {
	p := b.p
	if len(in.Value) > p.cfg.MaxMessageBytes {
		return &sizeError{size: len(in.Value), limit: p.cfg.MaxMessageBytes}
	}
	m, err := manifest.Decode(in.Value)
	if err != nil {
		return err
	}
	regime := b.live.At(m.ArrivalTime)
	if regime == nil {
		return &noRegimeError{arrival: m.ArrivalTime}
	}
	// The day of importation is the date at the port (19 CFR 101.1); the
	// configured zone serves parcels without a port the table knows.
	zone := p.cfg.EntryDayZone
	if portZone, ok := port.Builtin().Zone(m.PortOfEntry); ok {
		zone = portZone
	}
	date := prep.dates.text(decide.EntryDate(m.ArrivalTime, zone))
	// Foreign values convert at the rate of the date of exportation when
	// the manifest gives it (19 CFR 159.32), else of the entry date.
	rateDate := date
	if m.ExportDate != "" {
		rateDate = m.ExportDate
	}
	value, valueText, declared, err := valueInUSD(m, b.rates, rateDate, m.ExportDate != "")
	if err != nil {
		return err
	}
	cents, err := money.Cents(value)
	if err != nil {
		return &valueError{err: err}
	}
	items := prep.items.take(len(m.Items))
	for i, item := range m.Items {
		items[i] = decide.Item{HTSCode: item.HTSCode, OriginCountry: item.OriginCountry, Category: item.Category}
	}
	recipient := recipientOf(m)
	*pc = parcel{
		in:     in,
		m:      m,
		regime: prep.facts.of(regime),
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
	if b.shadow != nil {
		shadow := b.shadow.At(m.ArrivalTime)
		if shadow == nil {
			return &noRegimeError{arrival: m.ArrivalTime, shadow: true}
		}
		pc.shadow = prep.facts.of(shadow)
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
			var noRate *fx.NoRateError
			if !errors.As(err, &noRate) {
				return decimal.Decimal{}, "", fx.Declared{}, err
			}
			return decimal.Decimal{}, "", fx.Declared{}, &rateError{item: i, err: noRate, exportDate: exportDate, noRates: rates.Len() == 0}
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

// link replaces each parcel's recipient key by the one its phone or email
// was first seen with, if any, and leaves the writes that record the
// links for count, which does them while it counts.
func (b *batch) link(ctx context.Context) error {
	if b.p.linker == nil {
		return nil
	}
	var reqs []window.LinkRequest
	var idx []int
	for i := range b.parcels {
		if pc := &b.parcels[i]; b.rejects[i] == nil && pc.hasLinks {
			reqs = append(reqs, window.LinkRequest{Links: pc.links[:], Own: pc.recipKey,
				ParcelID: pc.m.ParcelID, EntryDate: pc.date})
			idx = append(idx, i)
		}
	}
	if len(reqs) == 0 {
		return nil
	}
	keys, write, err := b.p.linker.Resolve(ctx, reqs)
	if err != nil {
		return err
	}
	for j, i := range idx {
		b.parcels[i].recipKey = keys[j]
	}
	b.writeLinks = write
	return nil
}

// count counts every parcel in its subjects' totals, and in the what-if
// totals when there is a shadow table, and leaves the results for decide.
func (b *batch) count(ctx context.Context) error {
	ops := b.ops
	var shadowOps []window.Op
	for i := range b.parcels {
		if b.rejects[i] != nil {
			continue
		}
		pc := &b.parcels[i]
		ops = b.appendOps(ops, pc)
		if b.shadow != nil {
			shadowOp := pc.op
			shadowOp.Subject, shadowOp.Regime = pc.recipKey, pc.shadow.regime
			shadowOps = append(shadowOps, shadowOp)
		}
	}
	b.ops = ops // grown, if it had to
	// The links are recorded while the ops are counted with the keys they
	// gave: one round trip less to wait for, and both are done before
	// anything is published.
	linksWritten := make(chan error, 1)
	if b.writeLinks != nil {
		go func() { linksWritten <- b.writeLinks(ctx) }()
	} else {
		linksWritten <- nil
	}
	var err error
	b.results, err = apply(ctx, b.p.counter, ops)
	if err == nil {
		if b.shadowResults, err = apply(ctx, b.p.shadowCounter, shadowOps); err != nil {
			err = fmt.Errorf("shadow: %w", err)
		}
	}
	if linkErr := <-linksWritten; err == nil {
		err = linkErr
	}
	return err
}

func apply(ctx context.Context, counter Counter, ops []window.Op) ([]window.Result, error) {
	if len(ops) == 0 {
		return nil, nil
	}
	return counter.Apply(ctx, ops)
}

// appendOps appends the parcel's ops: its recipient's day, its order (when
// it names one) and its address's day (when address clusters are on).
func (b *batch) appendOps(ops []window.Op, pc *parcel) []window.Op {
	day := pc.op
	day.Subject = pc.recipKey
	pc.dayOp, pc.orderOp, pc.addrOp = len(ops), -1, -1
	ops = append(ops, day)
	// The order and address totals only raise alerts: no gift total (and
	// no outcome to keep, which the rules keep for a recipient's day only).
	alertOnly := day
	alertOnly.Gift = false
	if pc.orderKey = b.p.keyer.OrderKey(pc.m.Seller, pc.m.Marketplace, pc.m.OrderID); pc.orderKey != "" {
		order := alertOnly
		order.Scope, order.Subject = window.ScopeOrder, pc.orderKey
		pc.orderOp = len(ops)
		ops = append(ops, order)
	}
	if b.p.cfg.ClusterNames > 0 {
		addr := alertOnly
		addr.Scope, addr.Subject = window.ScopeAddressDay, pc.addrKey
		addr.Member = pc.nameKey
		addr.MinMembers = b.p.cfg.ClusterNames
		pc.addrOp = len(ops)
		ops = append(ops, addr)
	}
	return ops
}

// decide decides every counted parcel with its totals: its decision (the
// what-if one too), the topic it goes to and the alerts it raises. An
// amend or cancel that found nothing to change is rejected. An error is
// an answer the counting rules do not give.
func (b *batch) decide(context.Context) error {
	shadowNext := 0
	for i := range b.parcels {
		if b.rejects[i] != nil {
			continue
		}
		var shadowRes *window.Result
		if b.shadowResults != nil {
			shadowRes = &b.shadowResults[shadowNext]
			shadowNext++
		}
		rejection, err := b.decideParcel(&b.parcels[i], shadowRes)
		if err != nil {
			return err
		}
		b.rejects[i] = rejection
	}
	return nil
}

// decideParcel decides one counted parcel. A rejection instead rejects
// the message.
func (b *batch) decideParcel(pc *parcel, shadowRes *window.Result) (rejection, err error) {
	m := pc.m
	res := b.results[pc.dayOp]
	if res.Status != window.StatusOK {
		return refusal(res.Status, pc)
	}

	topics := b.p.cfg.Topics
	result := evaluate(pc.regime.regime, pc, res)
	decision := string(result.Decision)
	topic := topics.Formal
	if result.Decision == decide.Cleared {
		topic = topics.Cleared
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
		topic = topics.Formal
		if res.SupersededOutcome == window.OutcomeCleared {
			topic = topics.Cleared
		}
	}
	pc.topic = topic
	if m.Gift && m.Type != manifest.TypeCancel && result.Exemption != decide.ExemptionGift {
		// Why the gift claim was not honoured, for explain.
		pc.giftRefusal = decide.GiftRefused(pc.regime.regime, pc.decided, res.GiftTotal())
	}
	pc.decision = event.Decision{
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
		Threshold:         pc.regime.threshold,
		ParcelValue:       pc.value,
		RecipientKey:      pc.recipKey,
		RecipientDayTotal: money.Format(res.Total()),
		EntryType:         entryType,
		Source:            pc.in.Source,
		DecidedAt:         b.decidedAt,
		Exemption:         exemption,
		RegimeVersion:     b.live.Version(),
		DeclaredValues:    b.declared, // filled with the parcel's as it is encoded
		Supersedes:        supersedes,
	}
	if shadowRes != nil {
		pc.decision.Shadow = b.shadowOf(pc, *shadowRes, decision)
	}
	b.tally.count(m.Type, result, res.Duplicate)
	if m.Type == manifest.TypeParcel {
		pc.raised = b.alerts(pc)
	}
	return nil, nil
}

// EntryTypeNone is the entry_type of a cancelled parcel: it needs none.
const EntryTypeNone = "none"

// evaluate decides a counted parcel under r with the totals of res: as
// the counting rules decided it, or for a duplicate, again.
func evaluate(r *decide.Regime, pc *parcel, res window.Result) decide.Result {
	if result, ok := res.Decided(); ok {
		return result
	}
	if pc.op.Gift {
		return decide.DecideGift(r, pc.decided, res.Total(), res.GiftTotal())
	}
	return decide.Decide(r, pc.decided, res.Total())
}

// shadowOf evaluates the parcel against the what-if table.
func (b *batch) shadowOf(pc *parcel, res window.Result, live string) *event.Shadow {
	s := &event.Shadow{
		Regime:            pc.shadow.regime.ID,
		RecipientDayTotal: money.Format(res.Total()),
		RegimeVersion:     b.shadow.Version(),
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
	b.tally.shadowed++
	if s.Decision != live {
		b.tally.shadowDiffers++
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

// alerts builds the alerts the parcel publishes: a version of each alert
// of its recipient's day, its order and its address's day that is raised.
func (b *batch) alerts(pc *parcel) []event.Alert {
	basis := event.AlertBasis{RecipientKey: pc.recipKey, EntryDate: pc.date, Regime: pc.regime.regime.ID,
		Threshold: pc.regime.threshold, TriggerParcelID: pc.m.ParcelID, RaisedAt: b.decidedAt}
	var out []event.Alert
	if res := b.results[pc.dayOp]; res.AlertVersion > 0 {
		out = append(out, event.NewSplitShipment(basis, alertCount(res)))
	}
	if pc.orderOp >= 0 {
		if res := b.results[pc.orderOp]; res.AlertVersion > 0 {
			out = append(out, event.NewSplitOrder(basis, pc.orderKey, alertCount(res)))
		}
	}
	if pc.addrOp >= 0 {
		if res := b.results[pc.addrOp]; res.AlertVersion > 0 {
			out = append(out, event.NewAddressCluster(basis, pc.addrKey, b.p.cfg.ClusterNames, alertCount(res)))
		}
	}
	return out
}

// alertCount is what an alert's subject counted, from its result.
func alertCount(res window.Result) event.AlertCount {
	return event.AlertCount{
		Total:     money.Format(res.Total()),
		ParcelIDs: res.AlertParcels,
		Carriers:  distinctSorted(res.AlertCarriers, window.MaxAlertCarriers),
		Parcels:   res.Seq,
		Version:   res.AlertVersion,
	}
}

// distinctSorted returns the distinct values, sorted, at most limit of
// them (the first limit in sorted order).
func distinctSorted(values []string, limit int) []string {
	out := slices.Clone(values)
	slices.Sort(out)
	out = slices.Compact(out)
	return out[:min(len(out), limit)]
}

// encode writes every message's outputs, in the order of the inputs: a
// decision and the alerts it raised, or a rejection for the DLQ.
func (b *batch) encode(context.Context) error {
	b.outputs = make([]Output, 0, len(b.inputs)+len(b.inputs)/4)
	b.out = make(outBuf, 0, outBytesPerMessage*len(b.inputs))
	for i := range b.inputs {
		if err := b.rejects[i]; err != nil {
			b.outputs = append(b.outputs, b.reject(&b.inputs[i], err))
			b.tally.rejected++
			b.tally.rejectedBy[rejectClass(err)]++
			continue
		}
		b.encodeDecision(&b.parcels[i])
	}
	return nil
}

// encodeDecision writes a decided parcel's decision and alerts, and keeps
// them in the parcel for record.
func (b *batch) encodeDecision(pc *parcel) {
	d := &pc.decision
	pc.declared.Fill(b.declared)
	start := len(b.out)
	b.out = d.AppendJSON(b.out)
	value := b.out.since(start)
	b.outputs = append(b.outputs, Output{Topic: pc.topic, Key: b.out.text(d.ParcelID), Value: value,
		Source: pc.in.Source, EntryDate: pc.date, Decision: d.Decision, Reasons: d.Reasons})
	pc.record = window.ParcelRecord{ParcelID: d.ParcelID, DecisionID: d.DecisionID, EntryDate: pc.date,
		Superseding: pc.m.Type != manifest.TypeParcel}
	if b.p.recorder != nil {
		// The compact form is written here, not at record:
		// declared_values is the batch's map, filled again for the next
		// parcel. The kept decision also says why a gift claim was not
		// honoured (the published one does not).
		start = len(b.out)
		b.out = d.AppendCompact(b.out)
		pc.record.Decision = b.out.since(start)
		pc.record.GiftRefused = string(pc.giftRefusal)
		pc.record.Subjects = alertSubjects(pc)
	}
	for i := range pc.raised {
		a := &pc.raised[i]
		start := len(b.out)
		b.out = a.AppendJSON(b.out)
		value := b.out.since(start)
		start = len(b.out)
		b.out = a.AppendKey(b.out)
		b.outputs = append(b.outputs, Output{Topic: b.p.cfg.Topics.Alerts, Key: b.out.since(start), Value: value,
			Source: pc.in.Source, EntryDate: pc.date})
		// The alert is one of alertSubjects': the record names it already.
		pc.alerts = append(pc.alerts, window.AlertRecord{AlertID: a.AlertID, EntryDate: a.EntryDate, Version: a.Version, Alert: value})
		b.tally.countAlert(a.Type)
	}
}

// alertSubjects names the subjects whose alerts list the parcel once
// raised (b.alerts raises only these): its recipient's day, its order's
// and its address's day, all on the parcel's entry date (an order's alert
// is kept on the day of the parcel that published its latest version).
// Their alert ids are computed when an explanation reads them.
func alertSubjects(pc *parcel) []window.AlertSubject {
	subjects := make([]window.AlertSubject, 1, 3)
	subjects[0] = window.AlertSubject{Type: event.AlertSplitShipment, Key: pc.recipKey}
	if pc.orderOp >= 0 {
		subjects = append(subjects, window.AlertSubject{Type: event.AlertSplitOrder, Key: pc.orderKey})
	}
	if pc.addrOp >= 0 {
		subjects = append(subjects, window.AlertSubject{Type: event.AlertAddressCluster, Key: pc.addrKey})
	}
	return subjects
}

// reject encodes the message's rejection for the DLQ: the one place its
// text is written.
func (b *batch) reject(in *Input, rejection error) Output {
	reason := rejection.Error()
	// A DLQ record is at most MaxMessageBytes and MaxRejectedBytes: a
	// record the broker refused would stop the partition. The message is
	// copied whole when that fits (escaped as JSON text, or base64); else
	// its first part, marked raw_truncated.
	limit := min(b.p.cfg.MaxMessageBytes, MaxRejectedBytes)
	maxRaw := 0
	start := len(b.out)
	for {
		rejected := event.NewRejected(reason, in.Source, in.Value, maxRaw, b.now)
		b.out = rejected.AppendJSON(b.out)
		if len(b.out)-start <= limit || maxRaw == 1 {
			break
		}
		b.out = b.out[:start]
		if maxRaw == 0 {
			maxRaw = min(len(in.Value), limit)
		}
		maxRaw = max(maxRaw/2, 1)
	}
	return Output{Topic: b.p.cfg.Topics.DLQ, Key: in.Key, Value: b.out.since(start), Source: in.Source, Rejection: reason}
}

// record keeps the batch's decisions and alerts for explanations.
func (b *batch) record(ctx context.Context) error {
	if b.p.recorder == nil {
		return nil
	}
	records := make([]window.ParcelRecord, 0, len(b.parcels))
	var alerts []window.AlertRecord
	for i := range b.parcels {
		if b.parcels[i].record.Decision != nil {
			records = append(records, b.parcels[i].record)
		}
		alerts = append(alerts, b.parcels[i].alerts...)
	}
	return b.p.recorder.Record(ctx, records, alerts)
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
func (f *batchFacts) of(r *decide.Regime) *regimeFacts {
	for _, facts := range *f {
		if facts.regime == r {
			return facts
		}
	}
	facts := &regimeFacts{regime: r, threshold: thresholdText(r)}
	*f = append(*f, facts)
	return facts
}

func thresholdText(r *decide.Regime) *string {
	if !r.HasThreshold {
		return nil
	}
	text := money.Format(r.Threshold)
	return &text
}
