package testenv

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"sort"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/s321/s321/internal/broker"
)

// StartBroker starts the embedded broker on a free loopback port for the
// test, stopped when it ends, and returns its address.
func StartBroker(t testing.TB) string {
	t.Helper()
	b, err := broker.Start(broker.Config{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b.Addr()
}

// Kafka is a client of a broker for tests: it produces, waits for a
// consumer group to catch up, and reads topics whole.
type Kafka struct {
	t       testing.TB
	brokers []string
	client  *kafka.Client
}

// NewKafka returns a test client of brokers.
func NewKafka(t testing.TB, brokers []string) *Kafka {
	return &Kafka{t: t, brokers: brokers, client: &kafka.Client{Addr: kafka.TCP(brokers...), Timeout: 10 * time.Second}}
}

// CreateTopics creates topics, failing the test on any error.
func (k *Kafka) CreateTopics(topics ...kafka.TopicConfig) {
	k.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := k.client.CreateTopics(ctx, &kafka.CreateTopicsRequest{Topics: topics})
	if err != nil {
		k.t.Fatalf("create topics: %v", err)
	}
	for topic, err := range resp.Errors {
		if err != nil {
			k.t.Fatalf("create %s: %v", topic, err)
		}
	}
}

// Message is a key and value to produce.
type Message struct{ Key, Value []byte }

// ReadTSV reads a file of "key<TAB>value" lines, as kcat -K '\t' sends.
func ReadTSV(t testing.TB, path string) []Message {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []Message
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		key, value, ok := bytes.Cut(sc.Bytes(), []byte("\t"))
		if !ok {
			t.Fatalf("%s: line without a tab: %q", path, sc.Text())
		}
		out = append(out, Message{Key: bytes.Clone(key), Value: bytes.Clone(value)})
	}
	return out
}

// Produce writes msgs to topic, in order, with the Java client's
// partitioner, and waits for the broker's acknowledgement.
func (k *Kafka) Produce(topic string, msgs []Message) {
	k.t.Helper()
	w := &kafka.Writer{
		Addr: kafka.TCP(k.brokers...), Topic: topic, Balancer: &kafka.Murmur2Balancer{},
		RequiredAcks: kafka.RequireAll, BatchTimeout: time.Millisecond, BatchSize: 1000,
	}
	defer w.Close()
	batch := make([]kafka.Message, len(msgs))
	for i, m := range msgs {
		batch[i] = kafka.Message{Key: m.Key, Value: m.Value}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for start := 0; start < len(batch); start += 5000 {
		if err := w.WriteMessages(ctx, batch[start:min(start+5000, len(batch))]...); err != nil {
			k.t.Fatalf("produce to %s: %v", topic, err)
		}
	}
}

// EndOffsets returns each partition's next offset (high watermark).
func (k *Kafka) EndOffsets(topic string) map[int]int64 {
	k.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	meta, err := k.client.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{topic}})
	if err != nil || len(meta.Topics) != 1 || meta.Topics[0].Error != nil {
		k.t.Fatalf("metadata of %s: %v %+v", topic, err, meta)
	}
	var reqs []kafka.OffsetRequest
	for _, p := range meta.Topics[0].Partitions {
		reqs = append(reqs, kafka.LastOffsetOf(p.ID))
	}
	resp, err := k.client.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{topic: reqs}})
	if err != nil {
		k.t.Fatalf("list offsets of %s: %v", topic, err)
	}
	out := map[int]int64{}
	for _, p := range resp.Topics[topic] {
		if p.Error != nil {
			k.t.Fatalf("list offsets of %s/%d: %v", topic, p.Partition, p.Error)
		}
		out[p.Partition] = p.LastOffset
	}
	return out
}

// Committed returns the group's committed offset per partition of topic
// (-1 where none).
func (k *Kafka) Committed(group, topic string) (map[int]int64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ends := k.EndOffsets(topic)
	var partitions []int
	for p := range ends {
		partitions = append(partitions, p)
	}
	resp, err := k.client.OffsetFetch(ctx, &kafka.OffsetFetchRequest{GroupID: group, Topics: map[string][]int{topic: partitions}})
	if err != nil {
		return nil, err
	}
	if resp.Error != nil {
		return nil, resp.Error
	}
	out := map[int]int64{}
	for _, p := range resp.Topics[topic] {
		out[p.Partition] = p.CommittedOffset
	}
	return out, nil
}

// WaitCaughtUp waits until group has committed every message of topic:
// since offsets are committed only after the outputs are acknowledged,
// every output is then readable.
func (k *Kafka) WaitCaughtUp(group, topic string, timeout time.Duration) {
	k.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ends := k.EndOffsets(topic)
		committed, err := k.Committed(group, topic)
		behind := 0
		for p, end := range ends {
			if err == nil && committed[p] < end {
				behind += int(end - max(committed[p], 0))
			}
		}
		if err == nil && behind == 0 {
			return
		}
		if time.Now().After(deadline) {
			k.t.Fatalf("group %s still %d messages behind on %s after %s (err %v)", group, behind, topic, timeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Record is a message read back, with where it was.
type Record struct {
	Topic     string
	Partition int
	Offset    int64
	Key       []byte
	Value     []byte
}

// ReadAll reads every message of topic up to its current end, partition
// by partition (each in offset order).
func (k *Kafka) ReadAll(topic string) []Record {
	k.t.Helper()
	ends := k.EndOffsets(topic)
	partitions := make([]int, 0, len(ends))
	for p := range ends {
		partitions = append(partitions, p)
	}
	sort.Ints(partitions)
	var out []Record
	for _, p := range partitions {
		if ends[p] == 0 {
			continue
		}
		out = append(out, k.readPartition(topic, p, ends[p])...)
	}
	return out
}

func (k *Kafka) readPartition(topic string, partition int, end int64) []Record {
	// The partition holds what is read, so MaxWait never idles here; but
	// kafka-go also takes it as the fetch's I/O deadline, which a fetch of
	// megabytes overruns on a slow machine under the race detector: the
	// reader then fetches again forever.
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: k.brokers, Topic: topic, Partition: partition, MaxWait: 2 * time.Second, MaxBytes: 64 << 20})
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var out []Record
	for {
		m, err := r.FetchMessage(ctx)
		if err != nil {
			k.t.Fatalf("read %s/%d (%d of %d): %v", topic, partition, len(out), end, err)
		}
		out = append(out, Record{Topic: topic, Partition: partition, Offset: m.Offset, Key: m.Key, Value: m.Value})
		if m.Offset+1 >= end {
			return out
		}
	}
}

// String describes a record for test failures.
func (r Record) String() string {
	return fmt.Sprintf("%s/%d@%d %s=%s", r.Topic, r.Partition, r.Offset, r.Key, r.Value)
}
