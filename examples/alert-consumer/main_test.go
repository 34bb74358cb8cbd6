package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/s321/s321/internal/event"
	"github.com/s321/s321/internal/testenv"
)

// syncBuffer is a bytes.Buffer that run's goroutines and the test may use
// at once.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// published is a as the processor publishes it: keyed by recipient key
// and entry date.
func published(t *testing.T, a event.Alert) testenv.Message {
	t.Helper()
	value, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	return testenv.Message{Key: []byte(a.RecipientKey + ":" + a.EntryDate), Value: value}
}

// TestRunAgainstBroker publishes versions of two alerts to an embedded
// broker out of order (3 before 2, and 3 twice, as a redelivery would
// bring them) with a message that is not an alert, runs the consumer until
// its group has committed every message, stops it, and checks it kept the
// highest versions.
func TestRunAgainstBroker(t *testing.T) {
	addr := testenv.StartBroker(t)
	const topic = "alerts.split-shipment"
	k := testenv.NewKafka(t, []string{addr})
	k.CreateTopics(kafka.TopicConfig{Topic: topic, NumPartitions: 2, ReplicationFactor: 1})
	const keyA = "aaaa1111bbbb2222cccc3333dddd4444eeee5555ffff6666aaaa1111bbbb2222"
	const keyB = "bbbb0000bbbb0000bbbb0000bbbb0000bbbb0000bbbb0000bbbb0000bbbb0000"
	k.Produce(topic, []testenv.Message{
		published(t, alert(keyA, "2025-08-27", 1)),
		published(t, alert(keyA, "2025-08-27", 3)),
		published(t, alert(keyB, "2025-08-26", 1)),
		published(t, alert(keyA, "2025-08-27", 3)),
		published(t, alert(keyA, "2025-08-27", 2)), // last, and older
		{Key: []byte("junk"), Value: []byte(`{"schema":"alert.v1"}`)},
	})

	want := `recipient     date        version  parcels                                              carriers  day total  reason
bbbb0000bbbb  2025-08-26  1        2025-08-26-1,2025-08-26-2                            DHL,UPS     1000.50  2 parcels add up to more than $800.
aaaa1111bbbb  2025-08-27  3        2025-08-27-1,2025-08-27-2,2025-08-27-3,2025-08-27-4  DHL,UPS     2000.50  4 parcels add up to more than $800.
2 alerts
`
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	exit := make(chan int, 1)
	go func() {
		exit <- run(ctx, []string{"--brokers", addr, "--group", "alerts-test", "--interval", "20ms"}, &stdout, &stderr)
	}()
	// Offsets are committed after the messages are handled: once the
	// group has committed every message, the last table is complete.
	k.WaitCaughtUp("alerts-test", topic, 60*time.Second)
	cancel()
	select {
	case code := <-exit:
		if code != 0 {
			t.Errorf("exit %d, stderr:\n%s", code, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("run did not return within 30s of cancel")
	}
	if !strings.HasSuffix(stdout.String(), want) {
		t.Errorf("the last table is not the expected one; stdout:\n%s", stdout.String())
	}
	if !strings.Contains(stderr.String(), "skipping a message") || !strings.Contains(stderr.String(), "alert_id is missing") {
		t.Errorf("the bad message was not reported; stderr:\n%s", stderr.String())
	}
}

func TestRunUsage(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown flag", []string{"--nope"}, "flag provided but not defined"},
		{"no brokers", []string{"--brokers", ""}, "--brokers: must name at least one broker"},
		{"empty topic", []string{"--topic", ""}, "--group and --topic must not be empty"},
		{"negative interval", []string{"--interval", "-1s"}, "--interval: must not be negative"},
		{"stray argument", []string{"extra"}, `unexpected argument "extra"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(context.Background(), tc.args, &stdout, &stderr); code != 2 {
				t.Errorf("exit %d, want 2", code)
			}
			if !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("stderr %q lacks %q", stderr.String(), tc.want)
			}
		})
	}
}
