package consume

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"slices"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/protocol"
	"github.com/segmentio/kafka-go/protocol/produce"
)

// producer publishes a batch's outputs in one produce request per leader
// broker, all partitions of that leader together, and waits for every
// in-sync replica to acknowledge them (acks=all). kafka-go's Writer sends
// a request per partition: a batch of 50 decisions spread over 20 output
// partitions was 20 requests, each a round trip and a turn of the
// broker's loop.
//
// A partition's records go in record batches of at most MaxBatchBytes;
// a partition with more is sent again, in order, once the first is
// acknowledged. A failed request fails the whole publish, which the
// consumer retries with the batch (at least once: consumers drop a
// decision they have by its decision_id). Keys are partitioned as the Java
// client does (murmur2), so keys land where other clients expect.
type producer struct {
	transport kafka.RoundTripper
	bootstrap net.Addr
	timeout   time.Duration
	balancer  kafka.Murmur2Balancer

	mu sync.Mutex
	// topics are the output topics' partitions, by topic, as last read
	// from the cluster; read again after metadataTTL or a failed publish.
	topics  map[string]topicLayout
	fetched time.Time
}

// topicLayout is a topic's partitions, 0 to n-1, and the leader of each.
type topicLayout struct {
	ids     []int
	leaders []int
}

// metadataTTL is how long the partitions and leaders read are used.
const metadataTTL = 30 * time.Second

func newProducer(brokers []string, transport kafka.RoundTripper, timeout time.Duration) *producer {
	return &producer{transport: transport, bootstrap: kafka.TCP(brokers...), timeout: timeout}
}

// publish writes msgs, each to its topic and its key's partition, and
// returns when the brokers have acknowledged all, or with the errors of
// the first round of requests that failed.
func (p *producer) publish(ctx context.Context, msgs []kafka.Message) error {
	if len(msgs) == 0 {
		return nil
	}
	layouts, err := p.layouts(ctx, msgs)
	if err != nil {
		return err
	}
	now := time.Now()
	// rounds[k] holds, for each leader, the k-th record batch of each of
	// its partitions; round k+1 is sent once round k is acknowledged, so
	// a partition's batches keep their order.
	records := map[partitionKey][]protocol.Record{}
	var order []partitionKey
	for _, m := range msgs {
		l := layouts[m.Topic]
		key := partitionKey{m.Topic, p.balancer.Balance(m, l.ids...)}
		if _, ok := records[key]; !ok {
			order = append(order, key)
		}
		records[key] = append(records[key], protocol.Record{Time: now, Key: protocol.NewBytes(m.Key), Value: protocol.NewBytes(m.Value)})
	}
	var rounds []map[int]*produce.Request
	for _, key := range order {
		leader := layouts[key.topic].leaders[key.partition]
		for k, chunk := range chunks(records[key], MaxBatchBytes) {
			if k == len(rounds) {
				rounds = append(rounds, map[int]*produce.Request{})
			}
			req := rounds[k][leader]
			if req == nil {
				req = &produce.Request{Acks: int16(kafka.RequireAll), Timeout: int32(p.timeout / time.Millisecond)}
				rounds[k][leader] = req
			}
			addPartition(req, key.topic, key.partition, chunk)
		}
	}
	for _, round := range rounds {
		if err := p.send(ctx, round); err != nil {
			p.forget()
			return err
		}
	}
	return nil
}

// send sends one round's requests, one per leader, at once, and waits for
// all.
func (p *producer) send(ctx context.Context, round map[int]*produce.Request) error {
	if len(round) == 1 {
		for _, req := range round {
			return p.roundTrip(ctx, req)
		}
	}
	errs := make(chan error, len(round))
	for _, req := range round {
		go func() { errs <- p.roundTrip(ctx, req) }()
	}
	var all []error
	for range round {
		if err := <-errs; err != nil {
			all = append(all, err)
		}
	}
	return errors.Join(all...)
}

func (p *producer) roundTrip(ctx context.Context, req *produce.Request) error {
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	msg, err := p.transport.RoundTrip(ctx, p.bootstrap, req)
	if err != nil {
		return fmt.Errorf("produce: %w", err)
	}
	resp, ok := msg.(*produce.Response)
	if !ok {
		return fmt.Errorf("produce: unexpected response %T", msg)
	}
	var errs []error
	for _, t := range resp.Topics {
		for _, part := range t.Partitions {
			if part.ErrorCode != 0 {
				errs = append(errs, fmt.Errorf("produce to %s/%d: %w", t.Topic, part.Partition, kafka.Error(part.ErrorCode)))
			}
		}
	}
	return errors.Join(errs...)
}

// addPartition adds a partition's records to req.
func addPartition(req *produce.Request, topic string, partition int, records []protocol.Record) {
	set := protocol.RecordSet{Version: 2, Records: protocol.NewRecordReader(records...)}
	part := produce.RequestPartition{Partition: int32(partition), RecordSet: set}
	for i := range req.Topics {
		if req.Topics[i].Topic == topic {
			req.Topics[i].Partitions = append(req.Topics[i].Partitions, part)
			return
		}
	}
	req.Topics = append(req.Topics, produce.RequestTopic{Topic: topic, Partitions: []produce.RequestPartition{part}})
}

// chunks splits records into runs of at most limit bytes, each record
// counted as its key, its value and recordOverhead (a record alone may
// take more; each run holds at least one). A record batch adds its
// header, 61 bytes, which MaxBatchBytes leaves room for under the
// broker's default limit.
func chunks(records []protocol.Record, limit int) [][]protocol.Record {
	var out [][]protocol.Record
	start, size := 0, 0
	for i, r := range records {
		n := sizeOf(r.Key) + sizeOf(r.Value) + recordOverhead
		if i > start && size+n > limit {
			out = append(out, records[start:i])
			start, size = i, 0
		}
		size += n
	}
	return append(out, records[start:])
}

// recordOverhead is what a record adds to a batch besides its key and
// value, at most: its length, attributes, timestamp and offset deltas,
// key and value lengths and header count, as varints.
const recordOverhead = 32

func sizeOf(b protocol.Bytes) int {
	if b == nil {
		return 0
	}
	return b.Len()
}

// layouts returns the partitions and leaders of the topics of msgs. It
// reads them from the cluster, with every topic it knows, when one is
// not known or what it read is older than metadataTTL.
func (p *producer) layouts(ctx context.Context, msgs []kafka.Message) (map[string]topicLayout, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	read := time.Since(p.fetched) >= metadataTTL
	names := slices.Collect(maps.Keys(p.topics))
	for _, m := range msgs {
		if _, ok := p.topics[m.Topic]; !ok && !slices.Contains(names, m.Topic) {
			names, read = append(names, m.Topic), true
		}
	}
	if !read {
		return p.topics, nil
	}
	client := &kafka.Client{Addr: p.bootstrap, Transport: p.transport, Timeout: p.timeout}
	meta, err := client.Metadata(ctx, &kafka.MetadataRequest{Topics: names})
	if err != nil {
		return nil, fmt.Errorf("produce: metadata: %w", err)
	}
	topics := make(map[string]topicLayout, len(names))
	for _, t := range meta.Topics {
		if t.Error != nil {
			return nil, fmt.Errorf("produce: metadata of %s: %w", t.Name, t.Error)
		}
		l := topicLayout{ids: make([]int, len(t.Partitions)), leaders: make([]int, len(t.Partitions))}
		for i := range l.ids {
			l.ids[i] = i
		}
		for _, part := range t.Partitions {
			if part.ID < 0 || part.ID >= len(t.Partitions) {
				return nil, fmt.Errorf("produce: metadata of %s: partition %d of %d", t.Name, part.ID, len(t.Partitions))
			}
			l.leaders[part.ID] = part.Leader.ID
		}
		topics[t.Name] = l
	}
	for _, name := range names {
		if _, ok := topics[name]; !ok {
			return nil, fmt.Errorf("produce: metadata: topic %s not found", name)
		}
	}
	p.topics, p.fetched = topics, time.Now()
	return topics, nil
}

// forget drops the partitions and leaders read, so that the next publish
// reads them again (a leader may have moved). kafka-go's Transport routes
// each request by a view of the cluster of its own, which it reads again
// only every MetadataTTL (6 s by default), not when a broker answers that
// it no longer leads a partition; closing its connections makes it read
// the cluster again with the next request.
func (p *producer) forget() {
	p.mu.Lock()
	p.topics = nil
	p.fetched = time.Time{}
	p.mu.Unlock()
	if t, ok := p.transport.(interface{ CloseIdleConnections() }); ok {
		t.CloseIdleConnections()
	}
}
