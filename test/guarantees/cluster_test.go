package guarantees

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/s321/s321/internal/generate"
	"github.com/s321/s321/internal/testenv"
)

// The topics and key layout under test: the contract's defaults.
const (
	inputTopic   = "manifests"
	clearedTopic = "parcels.cleared"
	formalTopic  = "parcels.formal-entry-required"
	alertsTopic  = "alerts.split-shipment"
	dlqTopic     = "manifests.dlq"
	keyPrefix    = "s321"
	group        = "s321-guarantees"
	partitions   = 12
	// recipientKeySecret is the same for every processor of a test, so
	// they all hash a recipient to the same key.
	recipientKeySecret = "guarantees-test-secret-0123456789"
)

// cluster is the real pieces one test runs against: a redis-server with
// an append-only file, the broker as its own process with a data
// directory, and the processors the test starts.
type cluster struct {
	t      *testing.T
	redis  *testenv.Redis
	broker *brokerProc
	// admin asks the broker for offsets. It has a transport of its own
	// with a short metadata cache: kafka-go's shared default transport
	// answers metadata from a cache of up to 6s, which does not yet know
	// the topics a processor has just created (testenv.Kafka uses it).
	admin *kafka.Client
	// sent is every message the test produced, with what must become of it.
	sent *sentLog
}

// newCluster starts redis-server and the broker.
func newCluster(t *testing.T) *cluster {
	t.Helper()
	skipShort(t)
	c := &cluster{t: t, redis: testenv.StartRedis(t), broker: startBroker(t, t.TempDir()), sent: newSentLog()}
	transport := &kafka.Transport{MetadataTTL: 100 * time.Millisecond}
	t.Cleanup(transport.CloseIdleConnections)
	c.admin = &kafka.Client{Addr: kafka.TCP(c.broker.addr), Timeout: 10 * time.Second, Transport: transport}
	return c
}

// processor is one `processor run` process.
type processor struct {
	*proc
	httpAddr string
}

// startProcessor starts `processor run` against the cluster, in the test's
// consumer group, with a 30s shutdown timeout. extra flags come last.
func (c *cluster) startProcessor(name string, extra ...string) *processor {
	c.t.Helper()
	httpAddr := fmt.Sprintf("127.0.0.1:%d", freePort(c.t))
	args := append([]string{"run",
		"--brokers", c.broker.addr,
		"--redis-url", c.redis.URL(),
		"--http-addr", httpAddr,
		"--group-id", group,
		"--partitions", strconv.Itoa(partitions),
		"--shutdown-timeout", "30s",
		"--key-prefix", keyPrefix,
		"--log-level", "info",
	}, extra...)
	p := startProc(c.t, name, []string{"RECIPIENT_KEY_SECRET=" + recipientKeySecret}, args...)
	return &processor{proc: p, httpAddr: httpAddr}
}

// ready reports whether GET /readyz answers 200.
func (p *processor) ready() bool {
	code, _, err := httpGet("http://" + p.httpAddr + "/readyz")
	return err == nil && code == 200
}

// waitReady waits until /readyz answers 200, failing if the process exits.
func (p *processor) waitReady(t *testing.T, timeout time.Duration) {
	t.Helper()
	poll(t, timeout, p.name+" /readyz 200", func() bool {
		if p.exited() {
			t.Fatalf("%s exited with %d:\n%s", p.name, p.exitCode, tail(p.log(t), 4000))
		}
		return p.ready()
	})
}

// metric returns the value of an unlabelled counter from /metrics.
func (p *processor) metric(t *testing.T, name string) int64 {
	t.Helper()
	code, body, err := httpGet("http://" + p.httpAddr + "/metrics")
	if err != nil || code != 200 {
		t.Fatalf("%s /metrics: %d %v", p.name, code, err)
	}
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + ` (\S+)$`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("%s /metrics has no %s", p.name, name)
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		t.Fatalf("%s /metrics %s: %v", p.name, name, err)
	}
	return int64(v)
}

// stop sends SIGTERM and fails the test unless the processor exits 0
// within 35s (the 30s shutdown timeout and a margin). It returns how long
// the exit took.
func (p *processor) stop(t *testing.T) time.Duration {
	t.Helper()
	code, took := p.signal(t, syscall.SIGTERM, 35*time.Second)
	if code != 0 {
		t.Fatalf("%s exited with %d after SIGTERM:\n%s", p.name, code, tail(p.log(t), 4000))
	}
	return took
}

// message is one input message and what must become of it.
type message struct {
	key, value []byte
	want       outcome
}

// outcome is what must become of an input message.
type outcome int

const (
	// mustDecide: a valid manifest; at least one decision, never the DLQ.
	mustDecide outcome = iota + 1
	// mustReject: the DLQ, never a decision.
	mustReject
	// eitherOutcome: one of the two, never both, never neither.
	eitherOutcome
)

func (o outcome) String() string {
	switch o {
	case mustDecide:
		return "decided"
	case mustReject:
		return "rejected"
	case eitherOutcome:
		return "decided or rejected"
	}
	return "unknown"
}

// sentLog remembers what a test produced, by message value: the checks
// find each input record's expectation by its value.
type sentLog struct {
	want map[string]outcome
}

func newSentLog() *sentLog { return &sentLog{want: map[string]outcome{}} }

// add records msgs. Two messages with one value (a re-sent duplicate) must
// have the same expectation.
func (s *sentLog) add(t *testing.T, msgs []message) {
	t.Helper()
	for _, m := range msgs {
		if prev, ok := s.want[string(m.value)]; ok && prev != m.want {
			t.Fatalf("one value sent as %s and as %s", prev, m.want)
		}
		s.want[string(m.value)] = m.want
	}
}

// generated returns n messages of the seeded generator: mostly valid
// parcels, with repeat recipients, split orders, restricted goods,
// invalid messages (KindBad, which must go to the DLQ) and unchanged
// re-sends. The population is small enough that recipients get several
// parcels a day, so the day totals add up.
func generated(t *testing.T, seed uint64, n int) []message {
	t.Helper()
	cfg := generate.DefaultConfig()
	cfg.Seed = seed
	cfg.Recipients = max(n/8, 10)
	cfg.SplitShare = 0.05
	cfg.BadShare = 0.01
	cfg.DuplicateShare = 0.01
	gen, err := generate.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	msgs := make([]message, n)
	for i := range msgs {
		m := gen.Next()
		want := mustDecide
		if m.Kind == generate.KindBad {
			want = mustReject
		}
		msgs[i] = message{key: m.Key, value: m.Value, want: want}
	}
	return msgs
}

// produce writes msgs to the input topic, in order, with the Java
// client's partitioner (as carriers' clients do) and acks from all
// replicas, and records them in c.sent.
func (c *cluster) produce(msgs []message) {
	c.t.Helper()
	c.sent.add(c.t, msgs)
	if err := produceTo(c.broker.addr, msgs); err != nil {
		c.t.Fatal(err)
	}
}

// produceTo writes msgs to the input topic of the broker at addr. The
// writer accepts messages of up to 32 MiB, so a test can send more than
// the processor's limit.
func produceTo(addr string, msgs []message) error {
	w := &kafka.Writer{
		Addr:         kafka.TCP(addr),
		Topic:        inputTopic,
		Balancer:     &kafka.Murmur2Balancer{},
		RequiredAcks: kafka.RequireAll,
		BatchSize:    1000,
		BatchBytes:   32 << 20,
		BatchTimeout: time.Millisecond,
	}
	defer w.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const chunk = 2000
	for start := 0; start < len(msgs); start += chunk {
		batch := make([]kafka.Message, 0, chunk)
		for _, m := range msgs[start:min(start+chunk, len(msgs))] {
			batch = append(batch, kafka.Message{Key: m.key, Value: m.value})
		}
		if err := w.WriteMessages(ctx, batch...); err != nil {
			return fmt.Errorf("produce to %s: %w", inputTopic, err)
		}
	}
	return nil
}

// stream produces messages in the background at a steady pace, so that
// the processors are busy whenever the test changes something, however
// long the change takes.
type stream struct {
	c        *cluster
	msgs     []message
	stop     chan struct{}
	done     chan struct{}
	err      error        // set before done is closed
	produced atomic.Int64 // messages acknowledged so far
}

// Pace of a stream: streamChunk messages every streamTick, 2,000 a second,
// somewhat less than what the processors decide with the race detector on
// this machine's two cores.
const (
	streamChunk = 500
	streamTick  = 250 * time.Millisecond
)

// startStream produces msgs in order, streamChunk at a time, in the
// background. It records all of msgs in c.sent at once, so finish must be
// called before the checks. The stream stops early when the test ends.
func (c *cluster) startStream(msgs []message) *stream {
	c.t.Helper()
	s := &stream{c: c, msgs: msgs, stop: make(chan struct{}), done: make(chan struct{})}
	c.sent.add(c.t, msgs)
	go func() {
		defer close(s.done)
		tick := time.NewTicker(streamTick)
		defer tick.Stop()
		for start := 0; start < len(msgs); start += streamChunk {
			select {
			case <-s.stop:
				return
			case <-tick.C:
			}
			chunk := msgs[start:min(start+streamChunk, len(msgs))]
			if err := produceTo(c.broker.addr, chunk); err != nil {
				s.err = err
				return
			}
			s.produced.Add(int64(len(chunk)))
		}
	}()
	c.t.Cleanup(func() {
		select {
		case <-s.stop:
		default:
			close(s.stop)
		}
		<-s.done
	})
	return s
}

// finish waits until the whole stream is produced and returns how many
// messages that was.
func (s *stream) finish() int {
	s.c.t.Helper()
	<-s.done
	if s.err != nil {
		s.c.t.Fatal(s.err)
	}
	return int(s.produced.Load())
}

// endOffsets returns each partition's next offset (high watermark).
func (c *cluster) endOffsets(topic string) (map[int]int64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	reqs := make([]kafka.OffsetRequest, partitions)
	for partition := range partitions {
		reqs[partition] = kafka.LastOffsetOf(partition)
	}
	resp, err := c.admin.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{topic: reqs}})
	if err != nil {
		return nil, fmt.Errorf("list offsets of %s: %w", topic, err)
	}
	ends := make(map[int]int64, partitions)
	for _, p := range resp.Topics[topic] {
		if p.Error != nil {
			return nil, fmt.Errorf("list offsets of %s/%d: %w", topic, p.Partition, p.Error)
		}
		ends[p.Partition] = p.LastOffset
	}
	if len(ends) != partitions {
		return nil, fmt.Errorf("list offsets of %s: %d partitions, want %d", topic, len(ends), partitions)
	}
	return ends, nil
}

// committed returns the test group's committed offset of each input
// partition, -1 where none.
func (c *cluster) committed() (map[int]int64, error) {
	return c.committedBy(group)
}

// committedBy returns groupID's committed offset of each input partition,
// -1 where none.
func (c *cluster) committedBy(groupID string) (map[int]int64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ids := make([]int, partitions)
	for partition := range partitions {
		ids[partition] = partition
	}
	resp, err := c.admin.OffsetFetch(ctx, &kafka.OffsetFetchRequest{GroupID: groupID, Topics: map[string][]int{inputTopic: ids}})
	if err == nil && resp.Error != nil {
		err = resp.Error
	}
	if err != nil {
		return nil, fmt.Errorf("committed offsets of %s: %w", groupID, err)
	}
	out := make(map[int]int64, partitions)
	for _, p := range resp.Topics[inputTopic] {
		if p.Error != nil {
			return nil, fmt.Errorf("committed offset of %s/%d: %w", inputTopic, p.Partition, p.Error)
		}
		out[p.Partition] = p.CommittedOffset
	}
	return out, nil
}

// behind returns how many input messages groupID has not committed.
func (c *cluster) behind(groupID string) (int64, error) {
	ends, err := c.endOffsets(inputTopic)
	if err != nil {
		return 0, err
	}
	committed, err := c.committedBy(groupID)
	if err != nil {
		return 0, err
	}
	var n int64
	for partition, end := range ends {
		n += max(end-max(committed[partition], 0), 0)
	}
	return n, nil
}

// outputs returns how many decisions and rejections have been published:
// one per input message handled, plus redeliveries.
func (c *cluster) outputs() (int64, error) {
	var n int64
	for _, topic := range []string{clearedTopic, formalTopic, dlqTopic} {
		ends, err := c.endOffsets(topic)
		if err != nil {
			return 0, err
		}
		for _, end := range ends {
			n += end
		}
	}
	return n, nil
}

// mustOutputs is outputs, failing the test on an error.
func (c *cluster) mustOutputs() int64 {
	c.t.Helper()
	n, err := c.outputs()
	if err != nil {
		c.t.Fatal(err)
	}
	return n
}

// waitOutputs waits until at least n decisions and rejections are
// published: the stream is then that far along.
func (c *cluster) waitOutputs(n int64, timeout time.Duration) {
	c.t.Helper()
	poll(c.t, timeout, fmt.Sprintf("%d outputs", n), func() bool {
		got, err := c.outputs()
		return err == nil && got >= n
	})
}

// waitCaughtUp waits until the group has committed every input message:
// since offsets are committed only after the outputs are acknowledged,
// every output is then readable.
func (c *cluster) waitCaughtUp(timeout time.Duration) {
	c.t.Helper()
	c.waitGroupCaughtUp(group, timeout)
}

// waitGroupCaughtUp is waitCaughtUp for another group than the test's.
func (c *cluster) waitGroupCaughtUp(groupID string, timeout time.Duration) {
	c.t.Helper()
	poll(c.t, timeout, groupID+" to commit every input message", func() bool {
		left, err := c.behind(groupID)
		return err == nil && left == 0
	})
}

// publishedEnds returns, per input partition, the offset after the
// highest one that has a decision or a rejection published.
func (c *cluster) publishedEnds() map[int]int64 {
	c.t.Helper()
	ends := map[int]int64{}
	for _, topic := range []string{clearedTopic, formalTopic, dlqTopic} {
		for _, rec := range c.readAll(topic) {
			var out struct {
				Source source `json:"source"`
			}
			if err := json.Unmarshal(rec.Value, &out); err != nil {
				c.t.Fatalf("%s/%d@%d: %v", rec.Topic, rec.Partition, rec.Offset, err)
			}
			ends[out.Source.Partition] = max(ends[out.Source.Partition], out.Source.Offset+1)
		}
	}
	return ends
}

// readAll reads every message of topic up to its current end, partition
// by partition, each in offset order. It reads over a plain connection
// with a long deadline, unlike testenv.Kafka.ReadAll: kafka-go's Reader
// uses MaxWait as the deadline of a fetch response, and the broker (built
// with -race) takes a few hundred milliseconds to answer a fetch holding a
// 10 MiB message.
func (c *cluster) readAll(topic string) []testenv.Record {
	c.t.Helper()
	ends, err := c.endOffsets(topic)
	if err != nil {
		c.t.Fatal(err)
	}
	var out []testenv.Record
	for partition := range partitions {
		if ends[partition] > 0 {
			out = append(out, c.readPartition(topic, partition, ends[partition])...)
		}
	}
	return out
}

func (c *cluster) readPartition(topic string, partition int, end int64) []testenv.Record {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := (&kafka.Dialer{Timeout: 10 * time.Second}).DialLeader(ctx, "tcp", c.broker.addr, topic, partition)
	if err != nil {
		c.t.Fatalf("dial %s/%d: %v", topic, partition, err)
	}
	defer conn.Close()
	var out []testenv.Record
	for offset := int64(0); offset < end; {
		if _, err := conn.Seek(offset, kafka.SeekAbsolute); err != nil {
			c.t.Fatalf("seek %s/%d to %d: %v", topic, partition, offset, err)
		}
		_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
		batch := conn.ReadBatchWith(kafka.ReadBatchConfig{MinBytes: 1, MaxBytes: 64 << 20, MaxWait: time.Second})
		before := offset
		for {
			m, err := batch.ReadMessage()
			if err != nil {
				break
			}
			out = append(out, testenv.Record{Topic: topic, Partition: partition, Offset: m.Offset, Key: m.Key, Value: m.Value})
			offset = m.Offset + 1
		}
		if err := batch.Close(); err != nil || offset == before {
			c.t.Fatalf("read %s/%d at %d (end %d): %v", topic, partition, offset, end, err)
		}
	}
	return out
}
