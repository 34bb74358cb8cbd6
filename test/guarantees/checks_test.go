package guarantees

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
)

// recorder stands in for *testing.T to see what checkGuarantees reports.
type recorder struct {
	t        *testing.T
	errors   []string
	cleanups []func()
}

func (r *recorder) Helper()                         {}
func (r *recorder) Logf(format string, args ...any) {}
func (r *recorder) Cleanup(f func())                { r.cleanups = append(r.cleanups, f) }
func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}
func (r *recorder) Fatalf(format string, args ...any) {
	r.t.Fatalf("the checks gave up: "+format, args...)
}

// check runs checkGuarantees and returns what it reported.
func (r *recorder) check(c *cluster) string {
	r.errors, r.cleanups = nil, nil
	checkGuarantees(r, c)
	for i := len(r.cleanups) - 1; i >= 0; i-- {
		r.cleanups[i]()
	}
	return strings.Join(r.errors, "\n")
}

// TestChecksCatchBrokenGuarantees shows that checkGuarantees can fail: on
// a clean run it reports nothing, then each way of breaking a guarantee,
// done by hand to Redis or the topics, is reported.
func TestChecksCatchBrokenGuarantees(t *testing.T) {
	c := newCluster(t)
	p := c.startProcessor("processor")
	p.waitReady(t, time.Minute)
	c.produce(generated(t, 7, 500))
	c.waitCaughtUp(time.Minute)
	p.stop(t)

	r := &recorder{t: t}
	if got := r.check(c); got != "" {
		t.Fatalf("the checks fail on a clean run:\n%s", got)
	}
	var some decision
	if err := json.Unmarshal(c.readAll(clearedTopic)[0].Value, &some); err != nil {
		t.Fatal(err)
	}
	day := dayKey{some.RecipientKey, some.EntryDate}
	ctx := context.Background()
	client := c.redis.Client()

	tests := []struct {
		name   string
		breaks func()
		want   string
	}{
		{"a day total counted a cent twice", func() {
			if err := client.HIncrBy(ctx, day.redisKey(), "total", 1).Err(); err != nil {
				t.Fatal(err)
			}
		}, "Redis holds"},
		{"a day total without decisions", func() {
			if err := client.HSet(ctx, keyPrefix+":{nobody}:2025-08-27", "total", 100, "n", 1).Err(); err != nil {
				t.Fatal(err)
			}
		}, "without any decision"},
		{"a valid message never decided", func() {
			c.produce(generated(t, 8, 1))
		}, "valid message not decided"},
		{"an invalid message never rejected", func() {
			c.produce([]message{{key: []byte("bad"), value: []byte("{"), want: mustReject}})
		}, "invalid message not in the DLQ"},
		{"a redelivered decision that differs", func() {
			forged := some
			forged.RecipientDayTotal = "999999.99"
			publishJSON(t, c, clearedTopic, forged)
		}, "decided differently"},
	}
	for _, tc := range tests {
		tc.breaks()
		if got := r.check(c); !strings.Contains(got, tc.want) {
			t.Errorf("%s: the checks reported %q, want a failure with %q", tc.name, got, tc.want)
		}
	}
}

// publishJSON writes v to topic, as a processor that got it wrong would.
func publishJSON(t *testing.T, c *cluster, topic string, v any) {
	t.Helper()
	value, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	w := &kafka.Writer{Addr: kafka.TCP(c.broker.addr), Topic: topic, RequiredAcks: kafka.RequireAll, BatchTimeout: time.Millisecond}
	defer w.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := w.WriteMessages(ctx, kafka.Message{Value: value}); err != nil {
		t.Fatal(err)
	}
}
