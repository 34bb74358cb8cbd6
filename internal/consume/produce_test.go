package consume

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/protocol"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/s321/s321/internal/testenv"
)

// TestProducerPartitionsAsJavaAndKeepsOrder publishes to two topics of
// different partition counts in one call: every keyed message lands on the
// partition the Java client's partitioner gives its key (franz-go's, an
// implementation of its own), in the order published; a keyless one lands
// somewhere; and three records of 600 kB for one partition, more than one
// record batch holds, arrive whole and in order.
func TestProducerPartitionsAsJavaAndKeepsOrder(t *testing.T) {
	brokers := []string{testenv.StartBroker(t)}
	k := testenv.NewKafka(t, brokers)
	parts := map[string]int{"decisions": 12, "alerts": 5}
	var topics []kafka.TopicConfig
	for name, n := range parts {
		// The broker's default max.message.bytes (1,048,588) bounds a
		// record batch.
		topics = append(topics, kafka.TopicConfig{Topic: name, NumPartitions: n, ReplicationFactor: 1})
	}
	k.CreateTopics(topics...)

	var msgs []kafka.Message
	for i := range 300 {
		topic := "decisions"
		if i%3 == 0 {
			topic = "alerts"
		}
		msgs = append(msgs, kafka.Message{Topic: topic, Key: fmt.Appendf(nil, "key-%d", i%50), Value: fmt.Appendf(nil, "%d", i)})
	}
	large := bytes.Repeat([]byte("x"), 600_000)
	for i := range 3 {
		msgs = append(msgs, kafka.Message{Topic: "decisions", Key: []byte("large"), Value: append(fmt.Appendf(nil, "large-%d:", i), large...)})
	}
	msgs = append(msgs, kafka.Message{Topic: "alerts", Value: []byte("keyless")})

	p := newProducer(brokers, kafka.DefaultTransport, 10*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := p.publish(ctx, msgs); err != nil {
		t.Fatal(err)
	}

	java := kgo.StickyKeyPartitioner(nil)
	for topic, n := range parts {
		got := map[int][]string{}
		keyless := 0
		for _, r := range k.ReadAll(topic) {
			if r.Key == nil {
				keyless++
				continue
			}
			got[r.Partition] = append(got[r.Partition], string(r.Value))
		}
		want := map[int][]string{}
		for _, m := range msgs {
			if m.Topic != topic || m.Key == nil {
				continue
			}
			partition := java.ForTopic(topic).Partition(&kgo.Record{Key: m.Key}, n)
			want[partition] = append(want[partition], string(m.Value))
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: by partition, got\n%.600v\nwant\n%.600v", topic, got, want)
		}
		if topic == "alerts" && keyless != 1 {
			t.Errorf("alerts: %d keyless messages, want 1", keyless)
		}
	}
}

func TestChunksKeepEachRunUnderTheLimit(t *testing.T) {
	record := func(n int) protocol.Record { return protocol.Record{Value: protocol.NewBytes(make([]byte, n))} }
	records := []protocol.Record{record(400), record(400), record(400), record(2000), record(10)}
	var sizes [][]int
	for _, c := range chunks(records, 1000) {
		var s []int
		for _, r := range c {
			s = append(s, r.Value.Len())
		}
		sizes = append(sizes, s)
	}
	// 400+400 and their overhead fit in 1000, a third does not; a record
	// larger than the limit goes alone; the last joins nothing larger.
	if got, want := fmt.Sprint(sizes), "[[400 400] [400] [2000] [10]]"; got != want {
		t.Errorf("chunks: %s, want %s", got, want)
	}
}

// BenchmarkPublish publishes batches of 1,000 outputs shaped like a
// batch's (decision-sized values keyed by parcel id, over the four output
// topics of 12 partitions) to the embedded broker, and reports the
// producer's allocations and time a message; the broker runs in the same
// process, so ns/op holds its work too.
func BenchmarkPublish(b *testing.B) {
	brokers := []string{testenv.StartBroker(b)}
	k := testenv.NewKafka(b, brokers)
	topics := []string{"parcels.cleared", "parcels.formal-entry-required", "alerts.split-shipment", "manifests.dlq"}
	for _, topic := range topics {
		k.CreateTopics(kafka.TopicConfig{Topic: topic, NumPartitions: 12, ReplicationFactor: 1})
	}
	value := bytes.Repeat([]byte("d"), 700)
	msgs := make([]kafka.Message, 1000)
	for i := range msgs {
		// Most outputs are decisions; some alerts and rejections.
		topic := topics[i%2]
		switch {
		case i%50 == 0:
			topic = topics[2]
		case i%200 == 1:
			topic = topics[3]
		}
		msgs[i] = kafka.Message{Topic: topic, Key: fmt.Appendf(nil, "JD%016d", i), Value: value}
	}
	p := newProducer(brokers, kafka.DefaultTransport, 10*time.Second)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := p.publish(ctx, msgs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(msgs)), "ns/message")
}
