// Package process turns a batch of input messages of one partition into the
// messages to publish: a decision per parcel, split-shipment alerts, and a
// rejection for every message that cannot be decided.
//
// It owns the order of the work for one batch, a short sequence of stages
// (stages): prepare (decode and validate each message, choose the regime
// in force at its arrival, its entry date, its value and its recipient's
// keys), link (phone and email to the recipient first seen with them),
// count (the day totals, one round trip for the batch), decide, encode, and
// record (for explanations). The pieces they use belong elsewhere: the
// currency sums to fx, the keys to identity, the alerts' texts to event,
// the counting rules to window. It does not talk to Kafka, commit offsets
// or read the clock but to time its stages: the caller passes the batch
// and "now", and publishes what it gets back.
package process

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
	_ "time/tzdata" // the default zone loads the same in a minimal container

	"github.com/s321/s321/internal/decide"
	"github.com/s321/s321/internal/event"
	"github.com/s321/s321/internal/fx"
	"github.com/s321/s321/internal/identity"
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

// defaultZone is the IANA name of the default EntryDayZone.
const defaultZone = "America/New_York"

// DefaultConfig returns the defaults documented on Config.
func DefaultConfig() Config {
	// The zone database is embedded (time/tzdata): loading cannot fail.
	zone, _ := time.LoadLocation(defaultZone)
	return Config{
		Topics:          DefaultTopics(),
		EntryDayZone:    zone,
		MaxMessageBytes: 1 << 20,
		ClusterNames:    3,
	}
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
// batch (the window's compare-and-set script).
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

// Process decides a batch of messages of one partition, in offset order,
// and returns the messages to publish, in the same order. An error means
// the day totals could not be reached; nothing of the batch is counted
// twice when the caller retries it whole, which it must do.
//
// Redis is reached in one pipelined round trip for the counting (every
// parcel's recipient day, order and address day), one for the what-if
// totals when configured, and two before them for phone and email links
// when a parcel of the batch has any.
func (p *Processor) Process(ctx context.Context, inputs []Input, now time.Time) ([]Output, error) {
	batch := p.Begin(inputs, now)
	if err := batch.Count(ctx); err != nil {
		return nil, err
	}
	return batch.Finish(ctx)
}

// Batch is a batch of messages of one partition, between its stages:
// Begin runs those that read and write no state (decoding and screening
// each message), Count those that read and write the day totals, Finish
// the rest. Process is the three at once. A caller that has the next
// batch at hand can run the three on three threads, each batch a stage
// behind the one before (replay does): it must count the batches of a
// partition in the order it began them, each once, finish each after it
// is counted, and keep the inputs unchanged until then.
type Batch struct {
	p *Processor
	b *batch
}

// Begin prepares a batch: the stateless stages fail no batch (a message
// they cannot take is rejected on its own).
func (p *Processor) Begin(inputs []Input, now time.Time) *Batch {
	b := p.newBatch(inputs, now)
	_ = p.runStages(context.Background(), b, stages[:statelessStages])
	return &Batch{p: p, b: b}
}

// Count links the batch's parcels to their recipients and counts them
// toward their subjects. An error means the day totals could not be
// reached: the caller begins the batch again and retries it whole.
func (b *Batch) Count(ctx context.Context) error {
	return b.p.runStages(ctx, b.b, stages[statelessStages:countingStages])
}

// Finish decides the counted batch, encodes and keeps its decisions, and
// returns what Process would. Later batches may be counted meanwhile:
// nothing it does reads the day totals. An error (the decisions could
// not be kept) fails the batch as Count's does.
func (b *Batch) Finish(ctx context.Context) ([]Output, error) {
	p := b.p
	defer p.putScratch(b.b.scratch)
	if err := p.runStages(ctx, b.b, stages[countingStages:]); err != nil {
		return nil, err
	}
	p.stats.add(&b.b.tally)
	return b.b.outputs, nil
}

// runStages runs the batch through stages, in order, until one fails.
func (p *Processor) runStages(ctx context.Context, b *batch, stages []stage) error {
	for _, s := range stages {
		var started time.Time
		if s.observed {
			started = time.Now()
		}
		if err := s.run(b, ctx); err != nil {
			return err
		}
		if s.observed {
			p.stage(s.name, started)
		}
	}
	return nil
}

// A stage is one step of a batch. It reads what the stages before it left
// in the batch and leaves its own work there; an error fails the whole
// batch, which the caller retries.
type stage struct {
	name string
	run  func(*batch, context.Context) error
	// observed stages reach Redis: their durations go to the
	// StageObserver.
	observed bool
}

// stages are a batch's stages, in order. The first statelessStages
// neither read nor write the store (Begin); those after them up to
// countingStages read and write the day totals (Count); the rest read
// the totals the batch counted, and keep the decisions (Finish).
var stages = [...]stage{
	{name: "prepare", run: (*batch).prepare},               // messages: parcels, or rejections
	{name: "link", run: (*batch).link, observed: true},     // parcels: recipient keys by phone and email
	{name: "count", run: (*batch).count, observed: true},   // parcels: their subjects' totals
	{name: "decide", run: (*batch).decide},                 // totals: decisions and alerts, or rejections
	{name: "encode", run: (*batch).encode},                 // decisions, alerts, rejections: outputs
	{name: "record", run: (*batch).record, observed: true}, // outputs: kept for explanations
}

const (
	statelessStages = 1
	countingStages  = 3
)
