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

func published(t *testing.T, parcelID, carrier, decision, entryType, value string, offset int64) testenv.Message {
	t.Helper()
	d := event.Decision{
		Schema: event.SchemaDecision, DecisionID: event.DecisionID(parcelID, parcelID),
		EventID: parcelID, ParcelID: parcelID, Carrier: carrier, Decision: decision,
		Reasons: []string{}, ParcelValue: value, EntryType: entryType,
		Source:    event.Source{Topic: "manifests", Offset: offset},
		DecidedAt: event.FormatTime(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC).Add(time.Duration(offset) * time.Second)),
	}
	value2, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	return testenv.Message{Key: []byte(parcelID), Value: value2}
}

// TestRunAgainstBroker publishes decisions to both topics of an embedded
// broker, one of them twice (a redelivery: same decision_id, another
// decided_at and source) and a message that is not a decision, runs the
// consumer until its group has committed every message, stops it, and
// checks the final table.
func TestRunAgainstBroker(t *testing.T) {
	addr := testenv.StartBroker(t)
	const cleared, formal = "parcels.cleared", "parcels.formal-entry-required"
	k := testenv.NewKafka(t, []string{addr})
	k.CreateTopics(
		kafka.TopicConfig{Topic: cleared, NumPartitions: 2, ReplicationFactor: 1},
		kafka.TopicConfig{Topic: formal, NumPartitions: 2, ReplicationFactor: 1},
	)
	k.Produce(cleared, []testenv.Message{
		published(t, "P-1", "DHL", "cleared", "de_minimis", "450.00", 1),
		published(t, "P-2", "UPS", "cleared", "de_minimis", "120.50", 2),
		published(t, "P-1", "DHL", "cleared", "de_minimis", "450.00", 9), // redelivered
	})
	k.Produce(formal, []testenv.Message{
		published(t, "P-3", "DHL", "formal_entry_required", "informal", "900.01", 3),
		published(t, "P-4", "FedEx", "formal_entry_required", "formal", "3000.00", 4),
		{Key: []byte("junk"), Value: []byte("not a decision")},
	})

	want := `entry type  carrier   parcels    declared value
de_minimis  DHL             1            450.00
de_minimis  UPS             1            120.50
formal      FedEx           1           3000.00
informal    DHL             1            900.01
total                       4           4470.51
redelivered decisions dropped: 1
`
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	exit := make(chan int, 1)
	go func() {
		exit <- run(ctx, []string{"--brokers", addr, "--group", "billing-test", "--interval", "20ms"}, &stdout, &stderr)
	}()
	// Offsets are committed after the messages are handled: once the
	// group has committed every message, the last table is complete.
	k.WaitCaughtUp("billing-test", cleared, 60*time.Second)
	k.WaitCaughtUp("billing-test", formal, 60*time.Second)
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
		t.Errorf("the last table is not the full one; stdout:\n%s", stdout.String())
	}
	if !strings.Contains(stderr.String(), "skipping a message") {
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
		{"no brokers", []string{"--brokers", " , "}, "--brokers: must name at least one broker"},
		{"negative interval", []string{"--interval", "-1s"}, "--interval: must not be negative"},
		{"remember nothing", []string{"--remember", "0"}, "--remember: must be at least 1"},
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
