// Package consume moves messages between Kafka and a batch handler: it
// reads the input topic as a member of a consumer group, hands each
// partition's messages to the handler in offset order, publishes what the
// handler returns, and commits offsets only after every output below them
// is acknowledged by the broker.
//
// It owns the Kafka side of the delivery guarantees: at-least-once reading,
// fencing of a partition's work when the group rebalances, retries with
// backoff while the broker or the handler fails, and the shutdown order. It
// does not look inside messages.
package consume

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/segmentio/kafka-go"
	"go.uber.org/zap"

	"github.com/s321/s321/internal/event"
	"github.com/s321/s321/internal/process"
)

// Handler turns a batch of messages into messages to publish. A batch
// holds messages of one or more partitions, each partition's in offset
// order. It must be safe to call again with the same batch after an
// error: the batch is retried whole until it succeeds. It must not keep
// the batch slice once it returns (the worker reuses it); the messages'
// keys and values are not reused.
type Handler interface {
	Process(ctx context.Context, batch []process.Input, now time.Time) ([]process.Output, error)
}

// Config configures a Consumer.
type Config struct {
	// Brokers are the Kafka bootstrap servers. Required.
	Brokers []string
	// GroupID is the consumer group. Default "s321-processor".
	GroupID string
	// InputTopic is read. Default "manifests".
	InputTopic string
	// OutputTopics are created at start-up along with InputTopic when
	// missing.
	OutputTopics []string
	// Partitions is the partition count of topics created at start-up.
	// Default 12. Existing topics are left as they are.
	Partitions int
	// ReplicationFactor of topics created at start-up. Default 1; use 3 on
	// a production cluster.
	ReplicationFactor int
	// MaxBatch is the most messages handled at once. Default 1000.
	MaxBatch int
	// Workers is the most batches handled at once. The assigned
	// partitions are dealt out among that many workers; each takes what
	// its partitions have fetched into one batch, so a stream that comes
	// in slowly still makes batches of several messages. Default 4.
	Workers int
	// CommitInterval is how often a partition's done offset is committed
	// while it runs; it is always committed when the partition stops.
	// Default 1s.
	CommitInterval time.Duration
	// ShutdownTimeout bounds how long in-flight batches may take to finish
	// after the context is cancelled. Default 30s.
	ShutdownTimeout time.Duration
	// SessionTimeout is the consumer group session timeout. Default 10s.
	SessionTimeout time.Duration
	// Dialer dials the brokers (TLS, SASL). Default kafka.DefaultDialer.
	Dialer *kafka.Dialer
	// Transport carries produce and admin requests (TLS, SASL). Default
	// kafka.DefaultTransport.
	Transport kafka.RoundTripper
	// Observe, when set, receives measurements for metrics; nil measures
	// nothing.
	Observe *Observers
}

// Observer takes one measurement (a Prometheus histogram is one).
type Observer interface {
	Observe(float64)
}

// Observers are where the consumer reports what it measures.
type Observers struct {
	// BatchMessages: messages in each batch handled.
	BatchMessages Observer
	// BatchSeconds: time from fetching a batch to its outputs acknowledged,
	// retries included.
	BatchSeconds Observer
	// DecisionSeconds: for each message, time from its Kafka timestamp
	// (produced, or appended by the broker) to its outputs acknowledged.
	DecisionSeconds Observer
	// PublishSeconds: time to publish a batch's outputs, acknowledged by
	// all in-sync replicas; CommitSeconds: time to commit an offset.
	PublishSeconds, CommitSeconds Observer
}

// DefaultConfig returns the defaults documented on Config.
func DefaultConfig() Config {
	return Config{
		GroupID:           "s321-processor",
		InputTopic:        "manifests",
		Partitions:        12,
		ReplicationFactor: 1,
		MaxBatch:          1000,
		Workers:           4,
		CommitInterval:    time.Second,
		ShutdownTimeout:   30 * time.Second,
		SessionTimeout:    10 * time.Second,
	}
}

// Validate reports a configuration the Consumer cannot work with.
func (c Config) Validate() error {
	var errs []error
	if len(c.Brokers) == 0 {
		errs = append(errs, errors.New("brokers: at least one required"))
	}
	if c.GroupID == "" {
		errs = append(errs, errors.New("group id: required"))
	}
	if c.InputTopic == "" {
		errs = append(errs, errors.New("input topic: required"))
	}
	if c.Partitions < 1 {
		errs = append(errs, fmt.Errorf("partitions %d: must be at least 1", c.Partitions))
	}
	if c.ReplicationFactor < 1 {
		errs = append(errs, fmt.Errorf("replication factor %d: must be at least 1", c.ReplicationFactor))
	}
	if c.MaxBatch < 1 {
		errs = append(errs, fmt.Errorf("max batch %d: must be at least 1", c.MaxBatch))
	}
	if c.Workers < 1 {
		errs = append(errs, fmt.Errorf("workers %d: must be at least 1", c.Workers))
	}
	if c.CommitInterval <= 0 {
		errs = append(errs, fmt.Errorf("commit interval %s: must be positive", c.CommitInterval))
	}
	if c.ShutdownTimeout <= 0 {
		errs = append(errs, fmt.Errorf("shutdown timeout %s: must be positive", c.ShutdownTimeout))
	}
	return errors.Join(errs...)
}

// MaxBatchBytes bounds one produce batch to a partition: under Kafka's
// default max.message.bytes (1,048,588), which the broker checks against a
// whole record batch, so kafka-go never packs records into a batch a topic
// at its default limit refuses. Every single output is smaller
// (process.MaxRejectedBytes for the largest, a DLQ record).
const MaxBatchBytes = 1_040_000

// Consumer runs the group membership and the workers that share the
// assigned partitions.
type Consumer struct {
	cfg      Config
	handler  Handler
	log      *zap.Logger
	now      func() time.Time
	producer *producer

	// generation is true while the consumer holds a group generation;
	// failing counts workers whose current batch is failing.
	generation atomic.Bool
	failing    atomic.Int32

	stats Stats
	// lag is each assigned partition's lag (messages behind the end),
	// by "topic/partition", as last seen by its reader.
	lag sync.Map
}

// Lag calls fn with each assigned partition's lag, as last seen.
func (c *Consumer) Lag(fn func(topic string, partition int, lag int64)) {
	c.lag.Range(func(key, value any) bool {
		k := key.(partitionKey)
		fn(k.topic, k.partition, value.(*atomic.Int64).Load())
		return true
	})
}

type partitionKey struct {
	topic     string
	partition int
}

// Stats counts the consumer's work.
type Stats struct {
	Consumed   atomic.Int64 // input messages handled and published
	Published  atomic.Int64 // output messages acknowledged by the broker
	Retries    atomic.Int64 // failed batch attempts, retried
	Commits    atomic.Int64 // successful offset commits
	CommitErrs atomic.Int64 // failed offset commits
	// Generations counts the group generations this consumer took part
	// in: one at start, one more at each rebalance.
	Generations atomic.Int64
}

// New returns a Consumer. now is the clock stamped on outputs.
func New(cfg Config, handler Handler, log *zap.Logger, now func() time.Time) (*Consumer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("consume config: %w", err)
	}
	if cfg.Dialer == nil {
		cfg.Dialer = kafka.DefaultDialer
	}
	if cfg.Transport == nil {
		cfg.Transport = kafka.DefaultTransport
	}
	c := &Consumer{cfg: cfg, handler: handler, log: log.With(zap.String("component", "consume")), now: now}
	c.producer = newProducer(cfg.Brokers, cfg.Transport, 10*time.Second)
	return c, nil
}

// Stats returns the consumer's counters.
func (c *Consumer) Stats() *Stats { return &c.stats }

// Ready reports whether the consumer is a member of its group and no
// partition is stuck retrying a batch.
func (c *Consumer) Ready() bool {
	return c.generation.Load() && c.failing.Load() == 0
}

func (c *Consumer) kafkaError(format string, args ...any) {
	c.log.Warn("kafka client", zap.String("detail", fmt.Sprintf(format, args...)))
}

// Run consumes until ctx is cancelled, then shuts down in this order:
//  1. stop fetching: every worker sees ctx and takes no new batch;
//  2. drain: the batch in flight is processed and published (bounded by
//     ShutdownTimeout), so nothing read is left half done;
//  3. commit: each worker commits, for each of its partitions, the offset
//     after its last published message, while the group generation is
//     still valid;
//  4. leave the group (its partitions go to other members at once).
//
// Run returns nil after a clean shutdown.
func (c *Consumer) Run(ctx context.Context) error {
	if err := c.ensureTopics(ctx); err != nil {
		return err
	}
	group, err := kafka.NewConsumerGroup(kafka.ConsumerGroupConfig{
		ID:                    c.cfg.GroupID,
		Brokers:               c.cfg.Brokers,
		Dialer:                c.cfg.Dialer,
		Topics:                []string{c.cfg.InputTopic},
		StartOffset:           kafka.FirstOffset,
		HeartbeatInterval:     c.cfg.SessionTimeout / 5,
		SessionTimeout:        c.cfg.SessionTimeout,
		RebalanceTimeout:      c.cfg.SessionTimeout,
		JoinGroupBackoff:      time.Second,
		WatchPartitionChanges: true,
		ErrorLogger:           kafka.LoggerFunc(c.kafkaError),
	})
	if err != nil {
		return fmt.Errorf("join consumer group: %w", err)
	}

	var supervisors sync.WaitGroup
	for ctx.Err() == nil {
		gen, err := group.Next(ctx)
		c.generation.Store(false)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			// The group reports join errors here and backs off itself.
			c.log.Warn("consumer group", zap.Error(err))
			continue
		}
		c.generation.Store(true)
		c.stats.Generations.Add(1)
		supervisors.Add(1)
		// kafka-go ends a generation as soon as any function started with
		// Generation.Start returns. One supervisor per generation starts the
		// partition workers itself, so a worker that finishes early (an idle
		// one at shutdown) does not end the generation under the others
		// while they drain and commit.
		gen.Start(func(genCtx context.Context) {
			defer supervisors.Done()
			c.superviseGeneration(ctx, genCtx, gen)
		})
	}

	// Steps 1 to 3 happen in the workers; wait for them before leaving.
	supervisors.Wait()
	c.generation.Store(false)
	return group.Close()
}

// superviseGeneration deals the assigned partitions out among up to
// Workers workers and returns when all have returned. A worker that
// returns while neither the generation nor ctx has ended (it failed to
// start reading, say) ends the generation for all, so the group
// rebalances and its partitions are read again.
func (c *Consumer) superviseGeneration(ctx, genCtx context.Context, gen *kafka.Generation) {
	// fence ends with the generation, or when a worker fails.
	fence, endGeneration := context.WithCancel(context.Background())
	defer endGeneration()
	stop := context.AfterFunc(genCtx, endGeneration)
	defer stop()

	var assigned []assignment
	for topic, partitions := range gen.Assignments {
		for _, a := range partitions {
			assigned = append(assigned, assignment{topic, a})
		}
	}
	slices.SortFunc(assigned, func(a, b assignment) int {
		if a.topic != b.topic {
			return strings.Compare(a.topic, b.topic)
		}
		return a.ID - b.ID
	})
	c.log.Info("group generation", zap.Int32("generation", gen.ID), zap.Int("partitions", len(assigned)),
		zap.Int("workers", min(len(assigned), c.cfg.Workers)))
	if len(assigned) == 0 {
		// A member without partitions stands by. kafka-go ends the
		// generation when this returns, and the group would rebalance at
		// once, taking its partitions from every member; so it waits for
		// the generation to end, or for shutdown.
		select {
		case <-genCtx.Done():
		case <-ctx.Done():
		}
		return
	}
	shares := dealOut(assigned, c.cfg.Workers)
	var workers sync.WaitGroup
	for i, share := range shares {
		workers.Add(1)
		go func() {
			defer workers.Done()
			c.consumeShare(ctx, fence, gen, i, share)
			if ctx.Err() == nil && fence.Err() == nil {
				c.log.Warn("worker stopped; ending the generation", zap.Int("worker", i))
				endGeneration()
			}
		}()
	}
	workers.Wait()
}

// assignment is one partition of a generation, with its starting offset.
type assignment struct {
	topic string
	kafka.PartitionAssignment
}

// dealOut deals partitions out among at most n shares, one at a time in
// turn, so that shares differ by at most one partition.
func dealOut[T any](items []T, n int) [][]T {
	n = min(n, len(items))
	shares := make([][]T, n)
	for i, it := range items {
		shares[i%n] = append(shares[i%n], it)
	}
	return shares
}

// source is one partition of a worker: its reader, the messages fetched
// and not yet taken, and its offsets.
type source struct {
	assignment
	reader    *kafka.Reader
	messages  chan kafka.Message
	fetched   chan struct{} // closed when the fetcher has returned
	lag       *atomic.Int64
	closed    bool  // messages is closed: the fetcher stopped
	taken     bool  // the batch being built holds messages of it
	last      int64 // the offset of its last message taken
	committed int64 // next offset to read, as committed; <0 when none
	done      int64 // next offset after everything published
}

// consumeShare is one worker for one generation: it reads its partitions,
// each with its own reader, and decides what they have fetched in
// batches of up to MaxBatch messages, taking in turn from each partition
// what is there, in offset order. A batch is published whole before the
// next begins, so each partition's messages are decided in offset order.
func (c *Consumer) consumeShare(ctx, genCtx context.Context, gen *kafka.Generation, worker int, share []assignment) {
	log := c.log.With(zap.Int("worker", worker))

	// stop ends fetching: on shutdown or when the generation ends.
	stop, stopNow := context.WithCancel(ctx)
	defer stopNow()
	// hard ends work in flight: when the generation ends (the partitions may
	// already belong to another member: fence), or ShutdownTimeout after
	// shutdown began.
	hard, hardStop := context.WithCancel(context.WithoutCancel(ctx))
	defer hardStop()
	go func() {
		select {
		case <-genCtx.Done():
			stopNow()
			hardStop()
		case <-ctx.Done():
			timer := time.NewTimer(c.cfg.ShutdownTimeout)
			defer timer.Stop()
			select {
			case <-timer.C:
			case <-genCtx.Done():
			case <-hard.Done():
			}
			hardStop()
		case <-hard.Done():
		}
	}()

	// wake is signalled whenever a fetcher hands over a message or stops.
	wake := make(chan struct{}, 1)
	signal := func() {
		select {
		case wake <- struct{}{}:
		default:
		}
	}
	sources := make([]*source, 0, len(share))
	defer func() {
		stopNow()
		for _, s := range sources {
			for range s.messages {
			}
			<-s.fetched
			s.reader.Close()
			c.lag.CompareAndDelete(partitionKey{s.topic, s.ID}, s.lag)
		}
	}()
	for _, a := range share {
		s, err := c.startSource(stop, a, signal)
		if err != nil {
			log.Error("set offset", zap.String("topic", a.topic), zap.Int("partition", a.ID), zap.Int64("offset", a.Offset), zap.Error(err))
			return
		}
		sources = append(sources, s)
	}

	lastCommit := time.Now()
	commit := func() {
		offsets := map[string]map[int]int64{}
		for _, s := range sources {
			if s.done == s.committed || s.done < 0 {
				continue
			}
			if offsets[s.topic] == nil {
				offsets[s.topic] = map[int]int64{}
			}
			offsets[s.topic][s.ID] = s.done
		}
		if len(offsets) == 0 {
			return
		}
		started := time.Now()
		if err := gen.CommitOffsets(offsets); err != nil {
			c.stats.CommitErrs.Add(1)
			log.Warn("commit offsets", zap.Any("offsets", offsets), zap.Error(err))
			return
		}
		observeSince(c.observers().CommitSeconds, started)
		c.stats.Commits.Add(1)
		for _, s := range sources {
			s.committed = s.done
		}
		lastCommit = time.Now()
	}
	defer commit()

	// Offsets are committed when the worker goes idle, at least every
	// CommitInterval under load, and when the worker stops.
	ticker := time.NewTicker(c.cfg.CommitInterval)
	defer ticker.Stop()
	batch := make([]kafka.Message, 0, c.cfg.MaxBatch)
	var reuse buffers
	first := 0 // the source a batch takes from first, in turn
	for {
		batch = batch[:0]
		stopped := false
		for i := range sources {
			s := sources[(first+i)%len(sources)]
			s.taken = false
		take:
			for len(batch) < c.cfg.MaxBatch && !s.closed {
				select {
				case m, ok := <-s.messages:
					if !ok {
						s.closed = true
						break take
					}
					batch = append(batch, m)
					s.taken, s.last = true, m.Offset
				default:
					break take
				}
			}
			stopped = stopped || s.closed
		}
		first = (first + 1) % len(sources)
		if len(batch) == 0 {
			if stopped {
				return
			}
			select {
			case <-wake:
			case <-ticker.C:
				commit()
			case <-stop.Done():
				return
			}
			continue
		}
		if err := c.handle(hard, log, batch, &reuse); err != nil {
			// Fenced or out of time: leave the batch uncommitted for the
			// next owner of its partitions.
			log.Warn("batch abandoned", zap.String("topic", batch[0].Topic), zap.Int("partition", batch[0].Partition),
				zap.Int64("first_offset", batch[0].Offset), zap.Error(err))
			return
		}
		queued := false
		for _, s := range sources {
			if s.taken {
				s.done = s.last + 1
				s.lag.Store(s.reader.Lag())
			}
			queued = queued || len(s.messages) > 0
		}
		if !queued || time.Since(lastCommit) >= c.cfg.CommitInterval {
			commit()
		}
		if stopped || stop.Err() != nil {
			return
		}
	}
}

// startSource opens a reader of one partition at its assigned offset and
// starts its fetcher, which hands messages over in offset order and calls
// signal after each, and when it stops (with stop, or when the reader
// fails for good).
func (c *Consumer) startSource(stop context.Context, a assignment, signal func()) (*source, error) {
	reader := kafka.NewReader(kafka.ReaderConfig{
		Brokers:   c.cfg.Brokers,
		Topic:     a.topic,
		Partition: a.ID,
		Dialer:    c.cfg.Dialer,
		MinBytes:  1,
		// The broker returns at least one record batch even when it is
		// larger than MaxBytes, so a message over this is still read; a
		// smaller fetch keeps each partition's memory down.
		MaxBytes: 4 << 20,
		// MinBytes 1 answers a fetch as soon as anything is there, so
		// MaxWait only bounds an idle poll; kafka-go also takes it as the
		// fetch's I/O deadline, which a loaded broker answering a large
		// fetch can overrun (a warning and a reconnect), hence not shorter.
		MaxWait:        time.Second,
		QueueCapacity:  c.cfg.MaxBatch,
		ReadBackoffMin: 100 * time.Millisecond,
		ReadBackoffMax: 2 * time.Second,
		ErrorLogger:    kafka.LoggerFunc(c.kafkaError),
	})
	if err := reader.SetOffset(a.Offset); err != nil {
		reader.Close()
		return nil, err
	}
	s := &source{
		assignment: a,
		reader:     reader,
		messages:   make(chan kafka.Message, c.cfg.MaxBatch),
		fetched:    make(chan struct{}),
		lag:        new(atomic.Int64),
		committed:  a.Offset,
		done:       a.Offset,
	}
	go func() {
		defer close(s.fetched)
		defer signal()
		defer close(s.messages)
		for {
			m, err := reader.FetchMessage(stop)
			if err != nil {
				return
			}
			select {
			case s.messages <- m:
				signal()
			case <-stop.Done():
				return
			}
		}
	}()
	// The partition's lag, for metrics, while this worker owns it.
	c.lag.Store(partitionKey{a.topic, a.ID}, s.lag)
	return s, nil
}

// buffers are one worker's slices, reused from batch to batch:
// neither the handler nor the producer keeps them once a batch is
// published.
type buffers struct {
	inputs   []process.Input
	messages []kafka.Message
}

// handle processes and publishes one batch, retrying with backoff until it
// succeeds or ctx ends.
func (c *Consumer) handle(ctx context.Context, log *zap.Logger, batch []kafka.Message, reuse *buffers) error {
	inputs := slices.Grow(reuse.inputs[:0], len(batch))[:len(batch)]
	reuse.inputs = inputs
	defer clear(inputs) // keeps no message alive until the next batch
	for i, m := range batch {
		inputs[i] = process.Input{
			Key: m.Key, Value: m.Value,
			Source: event.Source{Topic: m.Topic, Partition: m.Partition, Offset: m.Offset},
		}
	}
	started := time.Now()
	backoff := 100 * time.Millisecond
	failing := false
	defer func() {
		if failing {
			c.failing.Add(-1)
		}
	}()
	for {
		err := c.attempt(ctx, inputs, reuse)
		if err == nil {
			c.stats.Consumed.Add(int64(len(batch)))
			c.observe(batch, started)
			return nil
		}
		if !failing {
			failing = true
			c.failing.Add(1)
		}
		c.stats.Retries.Add(1)
		log.Warn("batch failed, retrying", zap.Int64("first_offset", batch[0].Offset), zap.Int("messages", len(batch)),
			zap.Duration("backoff", backoff), zap.Error(err))
		timer := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			timer.Stop()
			return err
		case <-timer.C:
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}

// observe reports a handled batch's measurements.
func (c *Consumer) observe(batch []kafka.Message, started time.Time) {
	o := c.cfg.Observe
	if o == nil {
		return
	}
	acked := time.Now()
	if o.BatchMessages != nil {
		o.BatchMessages.Observe(float64(len(batch)))
	}
	if o.BatchSeconds != nil {
		o.BatchSeconds.Observe(acked.Sub(started).Seconds())
	}
	if o.DecisionSeconds != nil {
		for _, m := range batch {
			if !m.Time.IsZero() {
				o.DecisionSeconds.Observe(max(acked.Sub(m.Time).Seconds(), 0))
			}
		}
	}
}

func (c *Consumer) attempt(ctx context.Context, inputs []process.Input, reuse *buffers) error {
	outputs, err := c.handler.Process(ctx, inputs, c.now())
	if err != nil {
		return err
	}
	// publish is done with the messages when it returns.
	messages := slices.Grow(reuse.messages[:0], len(outputs))[:len(outputs)]
	reuse.messages = messages
	defer clear(messages)
	for i, o := range outputs {
		messages[i] = kafka.Message{Topic: o.Topic, Key: o.Key, Value: o.Value}
	}
	started := time.Now()
	if err := c.producer.publish(ctx, messages); err != nil {
		return fmt.Errorf("publish: %w", err)
	}
	observeSince(c.observers().PublishSeconds, started)
	c.stats.Published.Add(int64(len(messages)))
	return nil
}

// observers returns the configured observers, or none.
func (c *Consumer) observers() Observers {
	if c.cfg.Observe == nil {
		return Observers{}
	}
	return *c.cfg.Observe
}

// observeSince reports the seconds since start to o, when there is one.
func observeSince(o Observer, start time.Time) {
	if o != nil {
		o.Observe(time.Since(start).Seconds())
	}
}

// ensureTopics creates the input and output topics that do not exist yet,
// retrying until the brokers answer or ctx ends.
func (c *Consumer) ensureTopics(ctx context.Context) error {
	client := &kafka.Client{Addr: kafka.TCP(c.cfg.Brokers...), Transport: c.cfg.Transport, Timeout: 10 * time.Second}
	topics := append([]string{c.cfg.InputTopic}, c.cfg.OutputTopics...)
	backoff := 200 * time.Millisecond
	for {
		err := createTopics(ctx, client, topics, c.cfg.Partitions, c.cfg.ReplicationFactor)
		if err == nil {
			return nil
		}
		c.log.Warn("create topics, retrying", zap.Duration("backoff", backoff), zap.Error(err))
		select {
		case <-ctx.Done():
			return fmt.Errorf("create topics: %w", errors.Join(err, ctx.Err()))
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}

func createTopics(ctx context.Context, client *kafka.Client, topics []string, partitions, replication int) error {
	req := &kafka.CreateTopicsRequest{}
	for _, t := range topics {
		req.Topics = append(req.Topics, kafka.TopicConfig{Topic: t, NumPartitions: partitions, ReplicationFactor: replication})
	}
	resp, err := client.CreateTopics(ctx, req)
	if err != nil {
		return err
	}
	var errs []error
	for topic, err := range resp.Errors {
		if err != nil && !errors.Is(err, kafka.TopicAlreadyExists) {
			errs = append(errs, fmt.Errorf("topic %s: %w", topic, err))
		}
	}
	return errors.Join(errs...)
}
