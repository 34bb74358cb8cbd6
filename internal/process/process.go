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
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/s321/s321/internal/decide"
	"github.com/s321/s321/internal/event"
	"github.com/s321/s321/internal/identity"
	"github.com/s321/s321/internal/manifest"
	"github.com/s321/s321/internal/money"
	"github.com/s321/s321/internal/window"
)

// Counter counts parcels in the per-recipient day totals. Apply must be
// idempotent: the same ops applied again return the first results.
type Counter interface {
	Apply(ctx context.Context, ops []window.Op) ([]window.Result, error)
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
	for name, topic := range map[string]string{"cleared": c.Topics.Cleared, "formal": c.Topics.Formal, "alerts": c.Topics.Alerts, "dlq": c.Topics.DLQ} {
		if topic == "" {
			errs = append(errs, fmt.Errorf("%s topic: required", name))
		}
	}
	return errors.Join(errs...)
}

// Processor decides batches of parcels. It is safe for concurrent use by
// the workers of several partitions.
type Processor struct {
	cfg     Config
	regimes atomic.Pointer[decide.Table]
	keyer   *identity.Keyer
	counter Counter
	stats   Stats
}

// New returns a Processor that decides against regimes, hashes recipients
// with keyer and counts day totals with counter.
func New(cfg Config, regimes *decide.Table, keyer *identity.Keyer, counter Counter) (*Processor, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("process config: %w", err)
	}
	if regimes == nil || keyer == nil || counter == nil {
		return nil, errors.New("process: regimes, keyer and counter are required")
	}
	p := &Processor{cfg: cfg, keyer: keyer, counter: counter}
	p.regimes.Store(regimes)
	return p, nil
}

// Regimes returns the regime table decisions are made with.
func (p *Processor) Regimes() *decide.Table { return p.regimes.Load() }

// Stats returns the counters of what the processor has published.
func (p *Processor) Stats() *Stats { return &p.stats }

// parcel is a message on its way through a batch: decoded and screened,
// waiting for its day total.
type parcel struct {
	in       *Input
	m        *manifest.Manifest
	regime   *decide.Regime
	decided  decide.Parcel
	date     string
	recipKey string
	value    string // parcel value as written
	op       int    // index into the batch's ops
}

// Process decides a batch of messages of one partition, in offset order,
// and returns the messages to publish, in the same order. An error means
// the day totals could not be reached; nothing of the batch is counted
// twice when the caller retries it whole, which it must do.
func (p *Processor) Process(ctx context.Context, batch []Input, now time.Time) ([]Output, error) {
	table := p.regimes.Load()
	outputs := make([]Output, 0, len(batch)+len(batch)/4)
	parcels := make([]parcel, 0, len(batch))
	ops := make([]window.Op, 0, len(batch))
	// rejects holds the rejection of batch[i], by i.
	rejects := make(map[int]string)

	for i := range batch {
		in := &batch[i]
		pc, op, err := p.prepare(table, in)
		if err != nil {
			rejects[i] = err.Error()
			continue
		}
		pc.op = len(ops)
		ops = append(ops, op)
		parcels = append(parcels, pc)
	}

	var results []window.Result
	if len(ops) > 0 {
		var err error
		results, err = p.counter.Apply(ctx, ops)
		if err != nil {
			return nil, err
		}
	}

	decidedAt := event.FormatTime(now)
	next := 0
	var tally tally
	for i := range batch {
		if reason, rejected := rejects[i]; rejected {
			out, err := p.reject(&batch[i], reason, now)
			if err != nil {
				return nil, err
			}
			outputs = append(outputs, out)
			tally.rejected++
			continue
		}
		pc := &parcels[next]
		next++
		res := results[pc.op]
		outs, err := p.decide(table, pc, res, decidedAt, &tally)
		if err != nil {
			return nil, err
		}
		outputs = append(outputs, outs...)
	}
	p.stats.add(&tally)
	return outputs, nil
}

// prepare decodes and screens one message and builds its day-total op.
// Its error is the rejection: it names the field and the rule.
func (p *Processor) prepare(table *decide.Table, in *Input) (parcel, window.Op, error) {
	if len(in.Value) > p.cfg.MaxMessageBytes {
		return parcel{}, window.Op{}, fmt.Errorf("message: %d bytes is over the %d-byte limit", len(in.Value), p.cfg.MaxMessageBytes)
	}
	m, err := manifest.Decode(in.Value)
	if err != nil {
		return parcel{}, window.Op{}, err
	}
	if m.Type != manifest.TypeParcel {
		return parcel{}, window.Op{}, &manifest.FieldError{Field: "type", Rule: "amend and cancel are not supported by this processor version; send the corrected parcel as type parcel with a new parcel_id"}
	}
	for i, item := range m.Items {
		if item.Currency != "USD" {
			return parcel{}, window.Op{}, &manifest.FieldError{
				Field: "items[" + strconv.Itoa(i) + "].currency",
				Rule:  "no exchange rate configured for " + item.Currency + "; only USD values are accepted",
			}
		}
	}
	regime := table.At(m.ArrivalTime)
	if regime == nil {
		return parcel{}, window.Op{}, &manifest.FieldError{Field: "arrival_time", Rule: "no regime in force at " + event.FormatTime(m.ArrivalTime)}
	}
	value := m.Value()
	cents, err := money.Cents(value)
	if err != nil {
		return parcel{}, window.Op{}, &manifest.FieldError{Field: "items", Rule: "parcel value " + err.Error()}
	}
	items := make([]decide.Item, len(m.Items))
	for i, item := range m.Items {
		items[i] = decide.Item{HTSCode: item.HTSCode, OriginCountry: item.OriginCountry, Category: item.Category}
	}
	pc := parcel{
		in:       in,
		m:        m,
		regime:   regime,
		decided:  decide.Parcel{Value: value, Items: items},
		date:     decide.EntryDate(m.ArrivalTime, p.cfg.EntryDayZone).String(),
		recipKey: p.keyer.Key(recipientOf(m)),
		value:    money.Format(value),
	}
	op := window.Op{
		RecipientKey:        pc.recipKey,
		EntryDate:           pc.date,
		ParcelID:            m.ParcelID,
		Carrier:             m.Carrier,
		ValueCents:          cents,
		Scale:               money.Places(value),
		AlertThresholdCents: alertThreshold(regime),
	}
	return pc, op, nil
}

// alertThreshold is the threshold in cents the day-total script raises the
// split alert at, or window.NoAlert where there is nothing to circumvent.
func alertThreshold(r *decide.Regime) int64 {
	if !r.HasThreshold || r.Basis != decide.BasisRecipientDay {
		return window.NoAlert
	}
	cents, err := money.Cents(r.Threshold)
	if err != nil {
		// decide.ParseTable admits thresholds of at most two places only.
		return window.NoAlert
	}
	return cents
}

func recipientOf(m *manifest.Manifest) identity.Recipient {
	r := m.Recipient
	return identity.Recipient{
		Name: r.Name, AddressLine1: r.AddressLine1, AddressLine2: r.AddressLine2,
		PostalCode: r.PostalCode, Country: r.Country, Phone: r.Phone, Email: r.Email,
	}
}

// decide builds the decision (and the alert, if any) of a counted parcel.
func (p *Processor) decide(table *decide.Table, pc *parcel, res window.Result, decidedAt string, tally *tally) ([]Output, error) {
	m := pc.m
	result := decide.Decide(pc.regime, pc.decided, res.Total)
	reasons := make([]string, len(result.Reasons))
	for i, r := range result.Reasons {
		reasons[i] = string(r)
	}
	threshold := thresholdText(pc.regime)
	var exemption *string
	if result.Decision == decide.Cleared {
		exemption = &exemptionDeMinimis
	}
	d := event.Decision{
		Schema:            event.SchemaDecision,
		DecisionID:        event.DecisionID(m.EventID, m.ParcelID),
		EventID:           m.EventID,
		ParcelID:          m.ParcelID,
		Carrier:           m.Carrier,
		Mode:              m.Mode,
		ArrivalTime:       m.ArrivalTime.UTC().Format(time.RFC3339Nano),
		EntryDate:         pc.date,
		Decision:          string(result.Decision),
		Reasons:           reasons,
		Regime:            pc.regime.ID,
		Threshold:         threshold,
		ParcelValue:       pc.value,
		RecipientKey:      pc.recipKey,
		RecipientDayTotal: money.Format(res.Total),
		EntryType:         string(result.EntryType),
		Source:            pc.in.Source,
		DecidedAt:         decidedAt,
		Exemption:         exemption,
		RegimeVersion:     table.Version(),
	}
	value, err := json.Marshal(d)
	if err != nil {
		return nil, fmt.Errorf("encode decision: %w", err)
	}
	topic := p.cfg.Topics.Formal
	if result.Decision == decide.Cleared {
		topic = p.cfg.Topics.Cleared
	}
	outs := []Output{{Topic: topic, Key: []byte(m.ParcelID), Value: value}}
	tally.count(result, res.Duplicate)

	if res.AlertVersion > 0 {
		alert := event.Alert{
			Schema:          event.SchemaAlert,
			AlertID:         event.AlertID(event.AlertSplitShipment, pc.recipKey, pc.date),
			Type:            event.AlertSplitShipment,
			RecipientKey:    pc.recipKey,
			EntryDate:       pc.date,
			Regime:          pc.regime.ID,
			Threshold:       threshold,
			DayTotal:        money.Format(res.Total),
			ParcelIDs:       res.AlertParcels,
			Carriers:        distinctSorted(res.AlertCarriers),
			TriggerParcelID: m.ParcelID,
			Version:         res.AlertVersion,
			RaisedAt:        decidedAt,
			Reason:          splitReason(len(res.AlertParcels), pc.date, money.Format(res.Total), threshold),
		}
		value, err := json.Marshal(alert)
		if err != nil {
			return nil, fmt.Errorf("encode alert: %w", err)
		}
		outs = append(outs, Output{Topic: p.cfg.Topics.Alerts, Key: []byte(pc.recipKey + ":" + pc.date), Value: value})
		tally.alerts++
	}
	return outs, nil
}

var exemptionDeMinimis = "de_minimis"

func thresholdText(r *decide.Regime) *string {
	if !r.HasThreshold {
		return nil
	}
	text := money.Format(r.Threshold)
	return &text
}

func splitReason(parcels int, date, total string, threshold *string) string {
	limit := "the threshold"
	if threshold != nil {
		limit = "the $" + *threshold + " de minimis limit"
	}
	return fmt.Sprintf("%d parcels to one recipient with entry date %s add up to $%s, above %s, "+
		"though at least one was within it alone: a possible split shipment (19 CFR 10.151).", parcels, date, total, limit)
}

func (p *Processor) reject(in *Input, reason string, now time.Time) (Output, error) {
	value, err := json.Marshal(event.NewRejected(reason, in.Source, in.Value, now))
	if err != nil {
		return Output{}, fmt.Errorf("encode rejection: %w", err)
	}
	return Output{Topic: p.cfg.Topics.DLQ, Key: in.Key, Value: value}, nil
}

func distinctSorted(values []string) []string {
	out := make([]string, 0, len(values))
	seen := make(map[string]bool, len(values))
	for _, v := range values {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	slices.Sort(out)
	return out
}
