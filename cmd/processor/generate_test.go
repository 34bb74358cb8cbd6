package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"regexp"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/s321/s321/internal/generate"
	"github.com/s321/s321/internal/testenv"
)

// expectedStream is what the generator gives for cfg, straight from
// package generate.
func expectedStream(t *testing.T, cfg generate.Config, n int) []generate.Message {
	t.Helper()
	g, err := generate.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]generate.Message, n)
	for i := range out {
		out[i] = g.Next()
	}
	return out
}

func runCommand(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

var summaryLine = regexp.MustCompile(`^generated (\d+) messages in [0-9.]+s \(\d+/s\) to (.+): parcel (\d+), repeat (\d+), split (\d+), restricted (\d+), bad (\d+), duplicate (\d+)\n$`)

// kindCounts formats the summary's counts of msgs, in generate.Kinds order.
func kindCounts(msgs []generate.Message) string {
	counts := make(map[generate.Kind]int)
	for _, m := range msgs {
		counts[m.Kind]++
	}
	parts := make([]string, 0, len(generate.Kinds()))
	for _, k := range generate.Kinds() {
		parts = append(parts, fmt.Sprintf("%s %d", k, counts[k]))
	}
	return strings.Join(parts, ", ")
}

func TestGenerateStdout(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		count int
		cfg   func(*generate.Config)
	}{
		{name: "one message, default seed", args: []string{"--count", "1"}, count: 1},
		{name: "seed 7", args: []string{"--count", "300", "--seed", "7"}, count: 300,
			cfg: func(c *generate.Config) { c.Seed = 7 }},
		{name: "brokers dash means stdout", args: []string{"--count", "50", "--brokers", "-"}, count: 50},
		{name: "stdout wins over brokers", args: []string{"--count", "50", "--brokers", "127.0.0.1:1", "--stdout"}, count: 50},
		{name: "shares and window", count: 2000,
			args: []string{"--count", "2000", "--seed", "3", "--split-share", "0.2", "--bad-share", "0.05",
				"--duplicate-share", "0", "--from", "2024-05-01T00:00:00Z", "--to", "2024-05-02T00:00:00Z", "--batch", "7"},
			cfg: func(c *generate.Config) {
				c.Seed, c.SplitShare, c.BadShare, c.DuplicateShare = 3, 0.2, 0.05, 0
				c.From = time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
				c.To = time.Date(2024, 5, 2, 0, 0, 0, 0, time.UTC)
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := generate.DefaultConfig()
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			want := expectedStream(t, cfg, tc.count)

			code, stdout, stderr := runCommand(t, append([]string{"generate"}, tc.args...)...)
			if code != 0 {
				t.Fatalf("exit %d, stderr:\n%s", code, stderr)
			}
			lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
			if len(lines) != tc.count || !strings.HasSuffix(stdout, "\n") {
				t.Fatalf("got %d lines, want %d", len(lines), tc.count)
			}
			for i, line := range lines {
				if line != string(want[i].Value) {
					t.Fatalf("line %d:\n got %s\nwant %s", i, line, want[i].Value)
				}
			}
			m := summaryLine.FindStringSubmatch(stderr)
			if m == nil {
				t.Fatalf("summary %q does not match %s", stderr, summaryLine)
			}
			if m[1] != fmt.Sprint(tc.count) || m[2] != "stdout" {
				t.Errorf("summary %q: want %d messages to stdout", stderr, tc.count)
			}
			if !strings.Contains(stderr, kindCounts(want)) {
				t.Errorf("summary %q lacks the counts by kind %q", stderr, kindCounts(want))
			}

			// The same command gives the same bytes.
			_, again, _ := runCommand(t, append([]string{"generate"}, tc.args...)...)
			if again != stdout {
				t.Error("a second run with the same flags wrote different output")
			}
		})
	}

	t.Run("another seed gives another stream", func(t *testing.T) {
		_, one, _ := runCommand(t, "generate", "--count", "20", "--seed", "1")
		_, two, _ := runCommand(t, "generate", "--count", "20", "--seed", "2")
		if one == two {
			t.Error("seeds 1 and 2 wrote the same output")
		}
	})
}

func TestGenerateKafka(t *testing.T) {
	addr := testenv.StartBroker(t)
	k := testenv.NewKafka(t, []string{addr})

	tests := []struct {
		name string
		// precreate creates the topic with this many partitions first.
		precreate  int
		args       []string
		partitions int
	}{
		{name: "creates the topic", args: []string{"--partitions", "3"}, partitions: 3},
		{name: "existing topic, --partitions 0", precreate: 2, args: []string{"--partitions", "0", "--batch", "64"}, partitions: 2},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			topic := fmt.Sprintf("manifests-%d", i)
			if tc.precreate > 0 {
				k.CreateTopics(kafka.TopicConfig{Topic: topic, NumPartitions: tc.precreate, ReplicationFactor: 1})
			}
			const n = 700
			args := append([]string{"generate", "--count", fmt.Sprint(n), "--seed", "11", "--brokers", addr, "--topic", topic}, tc.args...)
			code, stdout, stderr := runCommand(t, args...)
			if code != 0 {
				t.Fatalf("exit %d, stderr:\n%s", code, stderr)
			}
			if stdout != "" {
				t.Errorf("stdout is %q, want nothing in Kafka mode", stdout)
			}
			if m := summaryLine.FindStringSubmatch(stderr); m == nil || m[1] != fmt.Sprint(n) || m[2] != "topic "+topic+" on "+addr {
				t.Errorf("summary %q", stderr)
			}

			cfg := generate.DefaultConfig()
			cfg.Seed = 11
			want := expectedStream(t, cfg, n)
			records := k.ReadAll(topic)
			if len(records) != n {
				t.Fatalf("read %d messages back, want %d", len(records), n)
			}
			// Per partition, messages keep the order they were generated in,
			// and each key is in the partition murmur2 picks for it.
			partitions := make([]int, tc.partitions)
			for p := range partitions {
				partitions[p] = p
			}
			wantByPartition := make(map[int][]generate.Message)
			for _, m := range want {
				p := (&kafka.Murmur2Balancer{}).Balance(kafka.Message{Key: m.Key}, partitions...)
				wantByPartition[p] = append(wantByPartition[p], m)
			}
			next := make(map[int]int)
			for _, r := range records {
				exp := wantByPartition[r.Partition]
				j := next[r.Partition]
				if j >= len(exp) {
					t.Fatalf("unexpected extra message %s", r)
				}
				if !bytes.Equal(r.Key, exp[j].Key) || !bytes.Equal(r.Value, exp[j].Value) {
					t.Fatalf("%s/%d@%d: got key %s, want %s (value equal: %v)", r.Topic, r.Partition, r.Offset, r.Key, exp[j].Key, bytes.Equal(r.Value, exp[j].Value))
				}
				next[r.Partition]++
			}
		})
	}
}

func TestGenerateUsage(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string // in stderr
	}{
		{"neither count nor duration", nil, "--count or --duration is required"},
		{"negative count", []string{"--count", "-1"}, "--count: must not be negative"},
		{"negative duration", []string{"--duration", "-1s"}, "--duration: must not be negative"},
		{"rate not a number", []string{"--count", "1", "--rate", "fast"}, `--rate "fast": must be a number`},
		{"rate zero", []string{"--count", "1", "--rate", "0/s"}, `--rate "0/s"`},
		{"rate per minute", []string{"--count", "1", "--rate", "5/m"}, `--rate "5/m"`},
		{"batch zero", []string{"--count", "1", "--batch", "0"}, "--batch: must be in [1, 100000]"},
		{"from without offset", []string{"--count", "1", "--from", "2025-01-01T00:00:00"}, `--from "2025-01-01T00:00:00": must be an RFC 3339`},
		{"to before from", []string{"--count", "1", "--from", "2025-02-01T00:00:00Z", "--to", "2025-01-01T00:00:00Z"}, "--to: must be at least one second after From"},
		{"share above 1", []string{"--count", "1", "--split-share", "2"}, "--split-share: must be in [0, 1]"},
		{"shares add up to 1", []string{"--count", "1", "--split-share", "0.5", "--bad-share", "0.5"}, "--split-share: SplitShare + BadShare + DuplicateShare must be below 1"},
		{"no recipients", []string{"--count", "1", "--recipients", "0"}, "--recipients: must be in [1, 1000000000]"},
		{"bad zone", []string{"--count", "1", "--entry-day-tz", "Mars/Olympus"}, `--entry-day-tz "Mars/Olympus"`},
		{"empty topic", []string{"--count", "1", "--brokers", "127.0.0.1:1", "--topic", ""}, "--topic: must not be empty"},
		{"replication zero", []string{"--count", "1", "--brokers", "127.0.0.1:1", "--replication-factor", "0"}, "--replication-factor: must be at least 1"},
		{"unknown flag", []string{"--count", "1", "--speed", "9"}, "flag provided but not defined: -speed"},
		{"stray argument", []string{"--count", "1", "more"}, `unexpected argument "more"`},
		{"several problems at once", []string{"--count", "-1", "--batch", "0"}, "--batch: must be in [1, 100000]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runCommand(t, append([]string{"generate"}, tc.args...)...)
			if code != 2 {
				t.Errorf("exit %d, want 2", code)
			}
			if stdout != "" {
				t.Errorf("stdout %q, want nothing", stdout)
			}
			if !strings.Contains(stderr, tc.want) {
				t.Errorf("stderr %q lacks %q", stderr, tc.want)
			}
		})
	}

	t.Run("help", func(t *testing.T) {
		code, _, stderr := runCommand(t, "generate", "-h")
		if code != 0 || !strings.Contains(stderr, "usage: processor generate") || !strings.Contains(stderr, "-split-share") {
			t.Errorf("exit %d, stderr %q", code, stderr)
		}
	})
}

// TestGenerateKafkaUnreachable checks that a broker that does not answer
// is an error (exit 1), not a usage error.
func TestGenerateKafkaUnreachable(t *testing.T) {
	addr := fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var stderr bytes.Buffer
	err := runGenerate(ctx, []string{"--count", "1", "--brokers", addr}, &bytes.Buffer{}, &stderr)
	if err == nil || !strings.Contains(err.Error(), "create topic manifests") {
		t.Errorf("got %v, want a create-topic error", err)
	}
}

// recordingSink remembers when each write happened and how many messages
// it held.
type recordingSink struct {
	mu     sync.Mutex
	start  time.Time
	writes []write
}

type write struct {
	at time.Duration
	n  int
}

func (s *recordingSink) write(_ context.Context, msgs []generate.Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writes = append(s.writes, write{at: time.Since(s.start), n: len(msgs)})
	return nil
}

func (s *recordingSink) close() error { return nil }

// TestProducePacing runs produce in a synctest bubble, where time moves
// only when every goroutine waits, so the pacing is checked exactly.
func TestProducePacing(t *testing.T) {
	tests := []struct {
		name string
		pace pace
		// want messages in all, and how long it takes, at least.
		want     int64
		wantTime time.Duration
	}{
		{name: "rate for a duration", pace: pace{rate: 100, duration: 2 * time.Second, batch: 10}, want: 200, wantTime: 2 * time.Second},
		{name: "rate until a count", pace: pace{rate: 50, count: 75, batch: 500}, want: 75, wantTime: 1500 * time.Millisecond},
		{name: "slow rate", pace: pace{rate: 0.5, duration: 5 * time.Second, batch: 500}, want: 2, wantTime: 5 * time.Second},
		{name: "fast rate, big batches", pace: pace{rate: 20000, duration: 1500 * time.Millisecond, batch: 1000}, want: 30000, wantTime: 1500 * time.Millisecond},
		{name: "count without rate", pace: pace{count: 1234, batch: 100}, want: 1234, wantTime: 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				gen, err := generate.New(generate.DefaultConfig())
				if err != nil {
					t.Fatal(err)
				}
				out := &recordingSink{start: time.Now()}
				got, err := produce(t.Context(), gen, out, tc.pace)
				if err != nil {
					t.Fatal(err)
				}
				if got.messages != tc.want || got.interrupted {
					t.Errorf("wrote %d messages (interrupted %v), want %d", got.messages, got.interrupted, tc.want)
				}
				if got.elapsed < tc.wantTime || got.elapsed > tc.wantTime+100*time.Millisecond {
					t.Errorf("took %s, want %s to %s", got.elapsed, tc.wantTime, tc.wantTime+100*time.Millisecond)
				}
				var sum int64
				for _, w := range out.writes {
					if w.n > tc.pace.batch {
						t.Errorf("a write of %d messages, above the batch of %d", w.n, tc.pace.batch)
					}
					sum += int64(w.n)
					if tc.pace.rate > 0 {
						// Never ahead of the rate.
						if allowed := int64(tc.pace.rate * w.at.Seconds()); sum > allowed {
							t.Fatalf("%d messages written by %s, above %g/s", sum, w.at, tc.pace.rate)
						}
						// Never more than one tick (100ms) behind it.
						if late := int64(tc.pace.rate*(w.at-100*time.Millisecond).Seconds()) - int64(tc.pace.batch); sum < late {
							t.Fatalf("%d messages written by %s, far behind %g/s", sum, w.at, tc.pace.rate)
						}
					}
				}
				if sum != tc.want {
					t.Errorf("the sink got %d messages, want %d", sum, tc.want)
				}
			})
		})
	}

	t.Run("cancel stops a paced run", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			gen, err := generate.New(generate.DefaultConfig())
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(t.Context(), 1050*time.Millisecond)
			defer cancel()
			out := &recordingSink{start: time.Now()}
			got, err := produce(ctx, gen, out, pace{rate: 10, duration: time.Hour, batch: 100})
			if err != nil {
				t.Fatal(err)
			}
			if !got.interrupted || got.messages != 10 {
				t.Errorf("wrote %d messages (interrupted %v), want 10, interrupted", got.messages, got.interrupted)
			}
		})
	})
}

// BenchmarkProduceStdout measures the unpaced stdout path: generating and
// writing JSONL, batch by batch.
func BenchmarkProduceStdout(b *testing.B) {
	gen, err := generate.New(generate.DefaultConfig())
	if err != nil {
		b.Fatal(err)
	}
	out := &stdoutSink{w: bufio.NewWriterSize(io.Discard, 256<<10)}
	b.ReportAllocs()
	b.ResetTimer()
	got, err := produce(context.Background(), gen, out, pace{count: int64(b.N), batch: 500})
	if err != nil || got.messages != int64(b.N) {
		b.Fatalf("wrote %d of %d: %v", got.messages, b.N, err)
	}
}
