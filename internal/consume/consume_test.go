package consume_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"go.uber.org/zap"

	"github.com/s321/s321/internal/consume"
	"github.com/s321/s321/internal/event"
	"github.com/s321/s321/internal/process"
	"github.com/s321/s321/internal/testenv"
)

// recorder echoes every message to the output topic and records each
// batch it was given, and how many batches it held at once.
type recorder struct {
	hold time.Duration // how long the first batch is held

	mu       sync.Mutex
	batches  [][]event.Source
	inFlight int
	most     int
	first    bool
}

func (r *recorder) Process(ctx context.Context, inputs []process.Input, _ time.Time) ([]process.Output, error) {
	r.mu.Lock()
	r.inFlight++
	r.most = max(r.most, r.inFlight)
	first := !r.first
	r.first = true
	r.mu.Unlock()
	if first {
		// Long enough for every partition's reader to fetch what is there,
		// so the batches after it find several partitions' messages.
		time.Sleep(r.hold)
	}
	sources := make([]event.Source, len(inputs))
	out := make([]process.Output, len(inputs))
	for i, in := range inputs {
		sources[i] = in.Source
		out[i] = process.Output{Topic: "echo", Key: in.Key, Value: in.Value}
	}
	r.mu.Lock()
	r.batches = append(r.batches, sources)
	r.inFlight--
	r.mu.Unlock()
	return out, nil
}

// TestWorkersShareThePartitions has two workers read six partitions: each
// batch may hold messages of several partitions, every partition's
// messages are handled once each in offset order, no more than two
// batches are handled at once, and every offset is committed at the end.
func TestWorkersShareThePartitions(t *testing.T) {
	brokers := []string{testenv.StartBroker(t)}
	cfg := consume.DefaultConfig()
	cfg.Brokers = brokers
	cfg.GroupID = "share"
	cfg.InputTopic = "in"
	cfg.OutputTopics = []string{"echo"}
	cfg.Partitions = 6
	cfg.Workers = 2
	cfg.MaxBatch = 300
	rec := &recorder{hold: 2 * time.Second}
	c, err := consume.New(cfg, rec, zap.NewNop(), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	k := testenv.NewKafka(t, brokers)
	k.CreateTopics(kafka.TopicConfig{Topic: "in", NumPartitions: 6, ReplicationFactor: 1})
	var msgs []testenv.Message
	for i := range 1200 {
		msgs = append(msgs, testenv.Message{Key: fmt.Appendf(nil, "k%d", i), Value: fmt.Appendf(nil, "v%d", i)})
	}
	// Everything is in the topic before the consumer starts, so each
	// reader's first fetch returns its partition's messages.
	k.Produce("in", msgs)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	k.WaitCaughtUp("share", "in", 60*time.Second)
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}

	rec.mu.Lock()
	defer rec.mu.Unlock()
	if rec.most > 2 {
		t.Errorf("%d batches handled at once, want at most 2 (Workers)", rec.most)
	}
	next := map[int]int64{}
	spanning := 0
	for _, batch := range rec.batches {
		if len(batch) > cfg.MaxBatch {
			t.Errorf("a batch of %d messages, want at most %d", len(batch), cfg.MaxBatch)
		}
		var partitions []int
		for _, s := range batch {
			if s.Offset != next[s.Partition] {
				t.Fatalf("partition %d: offset %d handled after %d", s.Partition, s.Offset, next[s.Partition]-1)
			}
			next[s.Partition]++
			if !slices.Contains(partitions, s.Partition) {
				partitions = append(partitions, s.Partition)
			}
		}
		if len(partitions) > 1 {
			spanning++
		}
	}
	ends := k.EndOffsets("in")
	for p, end := range ends {
		if next[p] != end {
			t.Errorf("partition %d: handled up to %d, its end is %d", p, next[p], end)
		}
	}
	if spanning == 0 {
		t.Errorf("none of %d batches held messages of more than one partition", len(rec.batches))
	}
	committed, err := k.Committed("share", "in")
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(committed, ends) {
		t.Errorf("committed %v, want the end offsets %v", committed, ends)
	}
	if got := len(k.ReadAll("echo")); got != len(msgs) {
		t.Errorf("%d messages published, want %d", got, len(msgs))
	}
}

// TestAMemberWithoutPartitionsStandsBy has two consumers share a topic of
// one partition: once both are in the group, the one without a partition
// waits, and the group does not rebalance again.
func TestAMemberWithoutPartitionsStandsBy(t *testing.T) {
	cfg := consume.DefaultConfig()
	cfg.Brokers = []string{testenv.StartBroker(t)}
	cfg.GroupID = "standby"
	cfg.InputTopic = "in"
	cfg.OutputTopics = []string{"echo"}
	cfg.Partitions = 1
	cfg.SessionTimeout = 6 * time.Second

	ctx, cancel := context.WithCancel(context.Background())
	var running sync.WaitGroup
	defer func() {
		cancel()
		running.Wait()
	}()
	start := func() *consume.Consumer {
		c, err := consume.New(cfg, &recorder{}, zap.NewNop(), time.Now)
		if err != nil {
			t.Fatal(err)
		}
		running.Go(func() {
			if err := c.Run(ctx); err != nil {
				t.Errorf("run: %v", err)
			}
		})
		return c
	}
	first := start()
	testenv.WaitFor(t, 30*time.Second, "the first consumer in the group", first.Ready)
	second := start()
	testenv.WaitFor(t, 30*time.Second, "the second consumer in the group", func() bool { return second.Stats().Generations.Load() > 0 && second.Ready() })

	// Two rebalances at most are expected while the second joins; after
	// that a standing-by member must leave the generation alone. A member
	// that returned at once would end it, and the group would rebalance
	// about every second.
	time.Sleep(2 * time.Second)
	settled := first.Stats().Generations.Load() + second.Stats().Generations.Load()
	time.Sleep(4 * time.Second)
	if now := first.Stats().Generations.Load() + second.Stats().Generations.Load(); now != settled {
		t.Errorf("the group rebalanced %d more times with no member joining or leaving", now-settled)
	}
}
