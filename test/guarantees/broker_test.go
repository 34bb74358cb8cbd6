package guarantees

import (
	"context"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
)

// brokerOutage is how long the broker stays down: the issue asks for 10s.
const brokerOutage = 10 * time.Second

// TestBrokerOutage stops the broker process (SIGTERM, so it writes its
// data directory) for 10 seconds in the middle of a stream and starts it
// again on the same address and data directory. The processor must stay
// up, reconnect, rejoin its group and decide everything; the day totals
// count each parcel once.
func TestBrokerOutage(t *testing.T) {
	c := newCluster(t)
	p := c.startProcessor("processor")
	p.waitReady(t, time.Minute)

	const n = 8000
	msgs := generated(t, 3, n)
	c.produce(msgs[:n/2])
	c.waitOutputs(n/4, 2*time.Minute)

	atStop := c.mustOutputs()
	c.broker.stop()
	down := time.Now()
	during(brokerOutage, func() {
		if p.exited() {
			t.Fatalf("the processor exited with %d while the broker was down", p.exitCode)
		}
	})
	c.broker.start()
	up := time.Now()
	c.produce(msgs[n/2:])
	p.waitReady(t, 2*time.Minute)
	readyAgain := time.Since(up)
	c.waitCaughtUp(3 * time.Minute)
	t.Logf("broker down %s with about %d of %d outputs published; processor ready %s after the broker started, caught up %s after",
		up.Sub(down).Round(time.Millisecond), atStop, n, readyAgain.Round(time.Millisecond), time.Since(up).Round(time.Millisecond))
	checkGuarantees(t, c)
	p.stop(t)
}

// TestBrokerDataDirKeepsTopicsAndOffsets restarts a broker that has a
// topic with messages and a group's committed offsets: with --data-dir
// all of it is there again after the restart; without, none of it (the
// control, which shows the test can tell).
func TestBrokerDataDirKeepsTopicsAndOffsets(t *testing.T) {
	skipShort(t)
	tests := []struct {
		name    string
		dataDir bool
	}{
		{"with data dir", true},
		{"without data dir", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := ""
			if tc.dataDir {
				dir = t.TempDir()
			}
			b := startBroker(t, dir)
			transport := &kafka.Transport{}
			defer transport.CloseIdleConnections()
			client := &kafka.Client{Addr: kafka.TCP(b.addr), Timeout: 10 * time.Second, Transport: transport}
			const topic, groupID = "kept", "kept-group"
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()

			resp, err := client.CreateTopics(ctx, &kafka.CreateTopicsRequest{Topics: []kafka.TopicConfig{{Topic: topic, NumPartitions: 3, ReplicationFactor: 1}}})
			if err != nil || resp.Errors[topic] != nil {
				t.Fatalf("create topic: %v %v", err, resp)
			}
			w := &kafka.Writer{Addr: kafka.TCP(b.addr), Topic: topic, Balancer: &kafka.Murmur2Balancer{}, RequiredAcks: kafka.RequireAll, BatchTimeout: time.Millisecond, Transport: transport}
			var sent []kafka.Message
			for i := range 60 {
				sent = append(sent, kafka.Message{Key: []byte("k" + strconv.Itoa(i)), Value: []byte("v" + strconv.Itoa(i))})
			}
			if err := w.WriteMessages(ctx, sent...); err != nil {
				t.Fatalf("produce: %v", err)
			}
			_ = w.Close()
			commits := map[string][]kafka.OffsetCommit{topic: {{Partition: 0, Offset: 3}, {Partition: 1, Offset: 5}, {Partition: 2, Offset: 1}}}
			cresp, err := client.OffsetCommit(ctx, &kafka.OffsetCommitRequest{GroupID: groupID, GenerationID: -1, Topics: commits})
			if err != nil {
				t.Fatalf("commit: %v", err)
			}
			for _, ps := range cresp.Topics {
				for _, p := range ps {
					if p.Error != nil {
						t.Fatalf("commit partition %d: %v", p.Partition, p.Error)
					}
				}
			}
			before := brokerState(t, b.addr, topic, groupID)
			if len(before.records) != len(sent) || before.committed[1] != 5 {
				t.Fatalf("before the restart: %d records, committed %v; want %d and partition 1 at 5", len(before.records), before.committed, len(sent))
			}

			b.stop()
			b.start()
			after := brokerState(t, b.addr, topic, groupID)
			kept := after.equal(before)
			if kept != tc.dataDir {
				t.Errorf("after the restart kept = %v, want %v:\nbefore %+v\nafter  %+v", kept, tc.dataDir, before.summary(), after.summary())
			}
		})
	}
}

// topicState is what a broker holds of one topic and one group.
type topicState struct {
	partitions int
	ends       map[int]int64
	committed  map[int]int64
	records    []string // "partition/offset key=value", in partition and offset order
}

func (s topicState) equal(o topicState) bool {
	return s.partitions == o.partitions && mapsEqual(s.ends, o.ends) && mapsEqual(s.committed, o.committed) && slices.Equal(s.records, o.records)
}

func (s topicState) summary() string {
	return "partitions " + strconv.Itoa(s.partitions) + ", ends " + fmtMap(s.ends) + ", committed " + fmtMap(s.committed) + ", records " + strconv.Itoa(len(s.records))
}

// brokerState reads topic's partitions, end offsets and records, and
// group's committed offsets; a missing topic has no partitions.
func brokerState(t *testing.T, addr, topic, groupID string) topicState {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// A transport of its own: the shared default one may hold a connection
	// to the broker process that was just stopped.
	transport := &kafka.Transport{}
	defer transport.CloseIdleConnections()
	client := &kafka.Client{Addr: kafka.TCP(addr), Timeout: 10 * time.Second, Transport: transport}
	s := topicState{ends: map[int]int64{}, committed: map[int]int64{}}
	meta, err := client.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{topic}})
	if err != nil {
		t.Fatalf("metadata: %v", err)
	}
	if len(meta.Topics) != 1 || meta.Topics[0].Error != nil {
		return s
	}
	var ids []int
	for _, p := range meta.Topics[0].Partitions {
		ids = append(ids, p.ID)
	}
	slices.Sort(ids)
	s.partitions = len(ids)
	var reqs []kafka.OffsetRequest
	for _, id := range ids {
		reqs = append(reqs, kafka.LastOffsetOf(id))
	}
	offsets, err := client.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{topic: reqs}})
	if err != nil {
		t.Fatalf("list offsets: %v", err)
	}
	for _, p := range offsets.Topics[topic] {
		s.ends[p.Partition] = p.LastOffset
	}
	fetched, err := client.OffsetFetch(ctx, &kafka.OffsetFetchRequest{GroupID: groupID, Topics: map[string][]int{topic: ids}})
	if err != nil {
		t.Fatalf("offset fetch: %v", err)
	}
	for _, p := range fetched.Topics[topic] {
		s.committed[p.Partition] = p.CommittedOffset
	}
	for _, id := range ids {
		if s.ends[id] == 0 {
			continue
		}
		r := kafka.NewReader(kafka.ReaderConfig{Brokers: []string{addr}, Topic: topic, Partition: id, MaxWait: 50 * time.Millisecond})
		for {
			m, err := r.FetchMessage(ctx)
			if err != nil {
				t.Fatalf("read %s/%d: %v", topic, id, err)
			}
			s.records = append(s.records, strconv.Itoa(id)+"/"+strconv.FormatInt(m.Offset, 10)+" "+string(m.Key)+"="+string(m.Value))
			if m.Offset+1 >= s.ends[id] {
				break
			}
		}
		_ = r.Close()
	}
	return s
}

func mapsEqual(a, b map[int]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func fmtMap(m map[int]int64) string {
	keys := make([]int, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := "{"
	for i, k := range keys {
		if i > 0 {
			out += " "
		}
		out += strconv.Itoa(k) + ":" + strconv.FormatInt(m[k], 10)
	}
	return out + "}"
}
