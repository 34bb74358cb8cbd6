package bench

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kgo"
	"golang.org/x/sync/errgroup"

	"github.com/s321/s321/internal/generate"
)

// The contract's default topics and group, which `processor run` uses
// when no flag overrides them.
const (
	inputTopic   = "manifests"
	clearedTopic = "parcels.cleared"
	formalTopic  = "parcels.formal-entry-required"
	alertsTopic  = "alerts.split-shipment"
	dlqTopic     = "manifests.dlq"
	groupID      = "s321-processor"
)

var allTopics = []string{inputTopic, clearedTopic, formalTopic, alertsTopic, dlqTopic}

// brokerAnswers reports whether the broker at addr answers a metadata
// request.
func brokerAnswers(ctx context.Context, addr string) bool {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	client := &kafka.Client{Addr: kafka.TCP(addr), Timeout: time.Second}
	_, err := client.Metadata(ctx, &kafka.MetadataRequest{})
	return err == nil
}

// createTopics creates the input and output topics with partitions each.
func createTopics(ctx context.Context, broker string, partitions int) error {
	client := &kafka.Client{Addr: kafka.TCP(broker), Timeout: 10 * time.Second}
	req := &kafka.CreateTopicsRequest{}
	for _, t := range allTopics {
		req.Topics = append(req.Topics, kafka.TopicConfig{Topic: t, NumPartitions: partitions, ReplicationFactor: 1})
	}
	resp, err := client.CreateTopics(ctx, req)
	if err != nil {
		return fmt.Errorf("create topics: %w", err)
	}
	var errs []error
	for topic, err := range resp.Errors {
		if err != nil && !errors.Is(err, kafka.TopicAlreadyExists) {
			errs = append(errs, fmt.Errorf("create topic %s: %w", topic, err))
		}
	}
	return errors.Join(errs...)
}

// producer writes generated manifests to the input topic, keyed by parcel
// id with the Java client's partitioner, as carriers do.
//
// It is franz-go's client, not kafka-go's Writer (which the processor
// uses): like the Java client, it sends one produce request per broker for
// all partitions, where kafka-go sends one per partition and allocates
// room for BatchSize messages with each. The producer stands for the
// carriers' clients but runs on the cores the bench measures; at 7,500
// manifests a second over 12 partitions the kafka-go Writer cost the bench
// 0.35 to 0.7 of a core and the broker a request per partition per tick.
//
// Its records are reused from one write to the next (a write returns only
// when the broker has acknowledged all of them), so preloading a million
// costs no more memory than one chunk.
type producer struct {
	gen     *generate.Generator
	client  *kgo.Client
	records []kgo.Record
	// produced counts messages acknowledged by the broker.
	produced int64
}

// preloadChunk is the most messages of one write while preloading.
const preloadChunk = 20000

func newProducer(broker string, seed uint64) (*producer, error) {
	cfg := generate.DefaultConfig()
	cfg.Seed = seed
	gen, err := generate.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("generator: %w", err)
	}
	client, err := kgo.NewClient(
		kgo.SeedBrokers(broker),
		kgo.DefaultProduceTopic(inputTopic),
		// nil: murmur2 of the key, as the Java client partitions.
		kgo.RecordPartitioner(kgo.StickyKeyPartitioner(nil)),
		kgo.RequiredAcks(kgo.AllISRAcks()),
		// Uncompressed, as the figures before it were taken (franz-go
		// would snappy them), so the processor reads the same bytes.
		kgo.ProducerBatchCompression(kgo.NoCompression()),
		// A write is flushed whole, at once: no linger that would age the
		// manifests' timestamps before they reach the broker.
		kgo.ManualFlushing(),
		kgo.MaxBufferedRecords(preloadChunk),
	)
	if err != nil {
		return nil, fmt.Errorf("kafka client: %w", err)
	}
	return &producer{gen: gen, client: client}, nil
}

// write generates and writes n messages.
func (p *producer) write(ctx context.Context, n int) error {
	if cap(p.records) < n {
		p.records = append(p.records[:cap(p.records)], make([]kgo.Record, n-cap(p.records))...)
	}
	p.records = p.records[:n]
	var (
		mu       sync.Mutex
		firstErr error
	)
	done := func(_ *kgo.Record, err error) {
		if err != nil {
			mu.Lock()
			firstErr = cmp.Or(firstErr, err)
			mu.Unlock()
		}
	}
	for i := range p.records {
		r := &p.records[i]
		msg := p.gen.AppendNext(r.Key[:0], r.Value[:0])
		// Timestamp zero: the client stamps each record as it takes it.
		*r = kgo.Record{Key: msg.Key, Value: msg.Value}
		p.client.Produce(ctx, r, done)
	}
	if err := p.client.Flush(ctx); err != nil {
		return fmt.Errorf("produce manifests: %w", err)
	}
	if firstErr != nil {
		return fmt.Errorf("produce manifests: %w", firstErr)
	}
	p.produced += int64(n)
	return nil
}

// preload writes n messages as fast as the broker takes them.
func (p *producer) preload(ctx context.Context, n int) error {
	for done := 0; done < n; done += preloadChunk {
		if err := p.write(ctx, min(preloadChunk, n-done)); err != nil {
			return err
		}
	}
	return nil
}

// paced writes at rate messages a second for d: every tick it writes what
// is due by then (rate × elapsed), so the average holds when a write is
// slow. It returns when done, when ctx ends, or with the first error.
func (p *producer) paced(ctx context.Context, rate float64, d time.Duration) error {
	start := time.Now()
	total := int64(math.Round(rate * d.Seconds()))
	ticker := time.NewTicker(10 * time.Millisecond)
	defer ticker.Stop()
	var sent int64
	for sent < total {
		elapsed := time.Since(start)
		due := min(total, int64(rate*elapsed.Seconds()))
		if due > sent {
			if err := p.write(ctx, int(due-sent)); err != nil {
				return err
			}
			sent = due
			continue
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ticker.C:
		}
	}
	return nil
}

func (p *producer) close() { p.client.Close() }

// kafkaClient is the bench's admin view of the broker.
type kafkaClient struct {
	broker string
	client *kafka.Client
}

func newKafkaClient(broker string) *kafkaClient {
	return &kafkaClient{broker: broker, client: &kafka.Client{Addr: kafka.TCP(broker), Timeout: 10 * time.Second}}
}

// endOffsets returns each partition's next offset.
func (k *kafkaClient) endOffsets(ctx context.Context, topic string) (map[int]int64, error) {
	meta, err := k.client.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{topic}})
	if err != nil {
		return nil, fmt.Errorf("metadata of %s: %w", topic, err)
	}
	if len(meta.Topics) != 1 || meta.Topics[0].Error != nil {
		return nil, fmt.Errorf("metadata of %s: %v", topic, meta.Topics)
	}
	var reqs []kafka.OffsetRequest
	for _, p := range meta.Topics[0].Partitions {
		reqs = append(reqs, kafka.LastOffsetOf(p.ID))
	}
	resp, err := k.client.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{topic: reqs}})
	if err != nil {
		return nil, fmt.Errorf("list offsets of %s: %w", topic, err)
	}
	out := make(map[int]int64, len(reqs))
	for _, p := range resp.Topics[topic] {
		if p.Error != nil {
			return nil, fmt.Errorf("list offsets of %s/%d: %w", topic, p.Partition, p.Error)
		}
		out[p.Partition] = p.LastOffset
	}
	return out, nil
}

// total sums a topic's end offsets: the messages it holds.
func (k *kafkaClient) total(ctx context.Context, topic string) (int64, error) {
	ends, err := k.endOffsets(ctx, topic)
	if err != nil {
		return 0, err
	}
	var n int64
	for _, end := range ends {
		n += end
	}
	return n, nil
}

// behind returns how many input messages the group has not committed.
// Offsets are committed only after a message's outputs are acknowledged,
// so 0 means every manifest has been answered.
func (k *kafkaClient) behind(ctx context.Context) (int64, error) {
	ends, err := k.endOffsets(ctx, inputTopic)
	if err != nil {
		return 0, err
	}
	partitions := make([]int, 0, len(ends))
	for p := range ends {
		partitions = append(partitions, p)
	}
	resp, err := k.client.OffsetFetch(ctx, &kafka.OffsetFetchRequest{GroupID: groupID, Topics: map[string][]int{inputTopic: partitions}})
	if err != nil {
		return 0, fmt.Errorf("committed offsets: %w", err)
	}
	if resp.Error != nil {
		return 0, fmt.Errorf("committed offsets: %w", resp.Error)
	}
	committed := make(map[int]int64, len(ends))
	for _, p := range resp.Topics[inputTopic] {
		committed[p.Partition] = p.CommittedOffset
	}
	var behind int64
	for p, end := range ends {
		behind += end - min(end, max(committed[p], 0))
	}
	return behind, nil
}

// waitCaughtUp polls until the group has committed the whole input topic.
// It fails when a processor exits, when nothing moves for stall, or after
// timeout.
func (k *kafkaClient) waitCaughtUp(ctx context.Context, procs []*child, stall, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	last, lastMove := int64(-1), time.Now()
	for {
		behind, err := k.behind(ctx)
		if err == nil && behind == 0 {
			return nil
		}
		if err == nil && behind != last {
			last, lastMove = behind, time.Now()
		}
		for _, p := range procs {
			if p.exited() {
				return p.diedError()
			}
		}
		switch {
		case time.Since(lastMove) > stall:
			return fmt.Errorf("processing stalled: %d messages behind for %s (last error: %v)%s", last, stall, err, logTails(procs))
		case time.Now().After(deadline):
			return fmt.Errorf("processing not done after %s: %d messages behind (last error: %v)%s", timeout, last, err, logTails(procs))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// logTails returns the end of each processor's log, for errors.
func logTails(procs []*child) string {
	var out string
	for _, p := range procs {
		out += "\n" + p.name + " log:\n" + tail(p.logPath, 10)
	}
	return out
}

// record is what the bench keeps of a message read back: its partition,
// offset and timestamp (ms), and for an answer the input it answers.
type record struct {
	partition int
	offset    int64
	timeMS    int64
	srcPart   int
	srcOffset int64
	hasSource bool
}

// readTopic reads every message of topic up to its current end and calls
// keep for each, from one goroutine per partition (keep must be safe for
// that). withSource decodes the answer's source.
func (k *kafkaClient) readTopic(ctx context.Context, topic string, withSource bool, keep func(record)) error {
	ends, err := k.endOffsets(ctx, topic)
	if err != nil {
		return err
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(4)
	for partition, end := range ends {
		if end == 0 {
			continue
		}
		g.Go(func() error { return k.readPartition(gctx, topic, partition, end, withSource, keep) })
	}
	return g.Wait()
}

func (k *kafkaClient) readPartition(ctx context.Context, topic string, partition int, end int64, withSource bool, keep func(record)) error {
	r := kafka.NewReader(kafka.ReaderConfig{
		Brokers: []string{k.broker}, Topic: topic, Partition: partition,
		MaxWait: 50 * time.Millisecond, MaxBytes: 32 << 20, QueueCapacity: 10000,
	})
	defer r.Close()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	var answer struct {
		Source struct {
			Partition int   `json:"partition"`
			Offset    int64 `json:"offset"`
		} `json:"source"`
	}
	for {
		m, err := r.FetchMessage(ctx)
		if err != nil {
			return fmt.Errorf("read %s/%d: %w", topic, partition, err)
		}
		rec := record{partition: partition, offset: m.Offset, timeMS: m.Time.UnixMilli()}
		if withSource {
			answer.Source.Partition, answer.Source.Offset = -1, -1
			if err := json.Unmarshal(m.Value, &answer); err != nil {
				return fmt.Errorf("read %s/%d@%d: %w", topic, partition, m.Offset, err)
			}
			rec.srcPart, rec.srcOffset, rec.hasSource = answer.Source.Partition, answer.Source.Offset, answer.Source.Offset >= 0
		}
		keep(rec)
		if m.Offset+1 >= end {
			return nil
		}
	}
}

// inputTimes holds the timestamp (ms) of every input message by
// partition and offset.
type inputTimes struct {
	// times is written while reading, one goroutine per partition, each
	// into its own slice; read-only after.
	times map[int][]int64
}

func (k *kafkaClient) readInputTimes(ctx context.Context) (*inputTimes, error) {
	ends, err := k.endOffsets(ctx, inputTopic)
	if err != nil {
		return nil, err
	}
	in := &inputTimes{times: make(map[int][]int64, len(ends))}
	for p, end := range ends {
		in.times[p] = make([]int64, end)
	}
	err = k.readTopic(ctx, inputTopic, false, func(r record) {
		// Each partition's slice is written by its own goroutine only.
		in.times[r.partition][r.offset] = r.timeMS
	})
	return in, err
}

// at returns the timestamp of an input message, or false when unknown.
func (in *inputTimes) at(partition int, offset int64) (int64, bool) {
	times, ok := in.times[partition]
	if !ok || offset < 0 || offset >= int64(len(times)) {
		return 0, false
	}
	return times[offset], true
}
