package consume

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/protocol"
	"github.com/twmb/franz-go/pkg/kfake"
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

	for topic, n := range parts {
		got, keyless := byPartition(k.ReadAll(topic))
		if want := javaPlacement(msgs, topic, n); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: by partition, got\n%.600v\nwant\n%.600v", topic, got, want)
		}
		if topic == "alerts" && keyless != 1 {
			t.Errorf("alerts: %d keyless messages, want 1", keyless)
		}
	}
}

// byPartition returns the values of keyed records by partition, in
// order, and counts the keyless ones.
func byPartition(records []testenv.Record) (map[int][]string, int) {
	got := map[int][]string{}
	keyless := 0
	for _, r := range records {
		if r.Key == nil {
			keyless++
			continue
		}
		got[r.Partition] = append(got[r.Partition], string(r.Value))
	}
	return got, keyless
}

// javaPlacement returns the values of the keyed messages of topic by the
// partition the Java client's partitioner (franz-go's) gives their keys,
// in order.
func javaPlacement(msgs []kafka.Message, topic string, partitions int) map[int][]string {
	java := kgo.StickyKeyPartitioner(nil).ForTopic(topic)
	want := map[int][]string{}
	for _, m := range msgs {
		if m.Topic == topic && m.Key != nil {
			p := java.Partition(&kgo.Record{Key: m.Key}, partitions)
			want[p] = append(want[p], string(m.Value))
		}
	}
	return want
}

// TestProducerAcrossBrokersAndALeaderMove publishes to a cluster of three
// brokers, whose partitions have different leaders, so one publish sends
// a request to each; then moves a partition's leader: the next publish
// may fail (the views of the leaders are stale), and the one after it
// goes through to the new leader.
func TestProducerAcrossBrokersAndALeaderMove(t *testing.T) {
	cluster, err := kfake.NewCluster(kfake.NumBrokers(3), kfake.SeedTopics(6, "decisions"))
	if err != nil {
		t.Fatal(err)
	}
	defer cluster.Close()
	brokers := cluster.ListenAddrs()
	leaders := map[int32]bool{}
	for p := range int32(6) {
		leaders[cluster.LeaderFor("decisions", p)] = true
	}
	if len(leaders) < 2 {
		t.Fatalf("the partitions' leaders are %v: the test needs at least two", leaders)
	}
	batch := func(round int) []kafka.Message {
		msgs := make([]kafka.Message, 120)
		for i := range msgs {
			msgs[i] = kafka.Message{Topic: "decisions", Key: fmt.Appendf(nil, "key-%d", i), Value: fmt.Appendf(nil, "%d-%d", round, i)}
		}
		return msgs
	}
	p := newProducer(brokers, kafka.DefaultTransport, 10*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	first := batch(1)
	if err := p.publish(ctx, first); err != nil {
		t.Fatal(err)
	}
	k := testenv.NewKafka(t, brokers)
	got, _ := byPartition(k.ReadAll("decisions"))
	if want := javaPlacement(first, "decisions", 6); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("by partition, got\n%.600v\nwant\n%.600v", got, want)
	}

	old := cluster.LeaderFor("decisions", 0)
	if err := cluster.MoveTopicPartition("decisions", 0, (old+1)%3); err != nil {
		t.Fatal(err)
	}
	second := batch(2)
	attempts := 0
	for {
		attempts++
		err := p.publish(ctx, second)
		if err == nil {
			break
		}
		// The consumer retries a failed publish whole after a backoff. A
		// failed publish reads the cluster again, so the second attempt
		// finds the new leader; kafka-go's Transport alone would keep
		// routing to the old one for up to its MetadataTTL (6 s).
		if attempts == 3 {
			t.Fatalf("publish after the leader moved: %d attempts, the last: %v", attempts, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("published after the move in %d attempts", attempts)
	got, _ = byPartition(k.ReadAll("decisions"))
	for partition, values := range javaPlacement(second, "decisions", 6) {
		// A failed attempt may have written some partitions already, so
		// the values of the last attempt end each partition.
		if have := got[partition]; len(have) < len(values) || fmt.Sprint(have[len(have)-len(values):]) != fmt.Sprint(values) {
			t.Errorf("partition %d ends with %.300v, want %.300v", partition, have, values)
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
