package app_test

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/s321/s321/internal/app"
	"github.com/s321/s321/internal/testenv"
)

// startApp runs a processor on the embedded broker (free port) and the
// given Redis until the test ends.
func startApp(t *testing.T, cfg app.Config) *app.App {
	t.Helper()
	return runApp(t, cfg, zaptest.NewLogger(t))
}

// runApp is startApp with a logger of the test's choice: it runs the
// processor until the test ends and waits until it is ready.
func runApp(t *testing.T, cfg app.Config, log *zap.Logger) *app.App {
	t.Helper()
	a, err := app.New(cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("processor stopped with %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("processor did not stop within 30s")
		}
	})
	select {
	case <-a.Started():
	case err := <-done:
		t.Fatalf("processor did not start: %v", err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for !a.Ready(ctx) {
		if time.Now().After(deadline) {
			t.Fatal("processor not ready after 30s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	return a
}

func testConfig(redisURL string) app.Config {
	cfg := app.DefaultConfig()
	cfg.EmbeddedKafkaAddr = "127.0.0.1:0"
	cfg.HTTPAddr = "127.0.0.1:0"
	cfg.RedisURL = redisURL
	// Recipient keys go to Redis: the development secret is refused.
	cfg.RecipientKeySecret = "app-test-secret-0123456789"
	cfg.Partitions = 3
	cfg.ShutdownTimeout = 10 * time.Second
	return cfg
}

// TestContractExampleStream replays the contract's example stream through
// the embedded broker and a real redis-server and compares every field
// expected.json lists.
func TestContractExampleStream(t *testing.T) {
	dir := testenv.ContractExamples(t)
	redis := testenv.StartRedis(t)
	cfg := testConfig(redis.URL())
	a := startApp(t, cfg)
	k := testenv.NewKafka(t, a.Brokers())
	k.Produce(cfg.InputTopic, testenv.ReadTSV(t, filepath.Join(dir, "input.tsv")))
	k.WaitCaughtUp(cfg.GroupID, cfg.InputTopic, 30*time.Second)
	checkContractOutputs(t, dir, cfg, k)
}

// checkContractOutputs compares what the processor published for the
// contract's example stream with expected.json, and checks that each
// decision and rejection is keyed by its parcel id.
func checkContractOutputs(t *testing.T, dir string, cfg app.Config, k *testenv.Kafka) {
	t.Helper()
	values := func(topic string) [][]byte {
		var out [][]byte
		for _, rec := range k.ReadAll(topic) {
			if topic != cfg.Topics.Alerts && topic != cfg.Topics.DLQ && !bytes.Contains(rec.Value, []byte(`"parcel_id":"`+string(rec.Key)+`"`)) {
				t.Errorf("%s: key is not the parcel_id", rec)
			}
			out = append(out, rec.Value)
		}
		return out
	}
	testenv.CheckContractExamples(t, dir, testenv.Outputs{
		Cleared: values(cfg.Topics.Cleared),
		Formal:  values(cfg.Topics.Formal),
		Alerts:  values(cfg.Topics.Alerts),
		DLQ:     values(cfg.Topics.DLQ),
	})
}
