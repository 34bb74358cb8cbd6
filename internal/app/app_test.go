package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/s321/s321/internal/app"
	"github.com/s321/s321/internal/testenv"
)

// startApp runs a processor on the embedded broker (free port) and the
// given Redis until the test ends.
func startApp(t *testing.T, cfg app.Config) *app.App {
	t.Helper()
	a, err := app.New(cfg, zaptest.NewLogger(t))
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
	cfg.Partitions = 3
	cfg.ShutdownTimeout = 10 * time.Second
	return cfg
}

// expected is the shape of the contract's examples/expected.json.
type expected struct {
	Events    int                       `json:"events"`
	Decisions map[string]map[string]any `json:"decisions"`
	Alerts    []map[string]any          `json:"alerts"`
	Rejected  []string                  `json:"rejected"`
}

// TestContractExampleStream replays the contract's example stream through
// the embedded broker and a real redis-server and compares every field
// expected.json lists.
func TestContractExampleStream(t *testing.T) {
	dir := filepath.Join("testdata", "contract-examples")
	checkCopyIsCurrent(t, dir)
	var want expected
	readJSON(t, filepath.Join(dir, "expected.json"), &want)

	redis := testenv.StartRedis(t)
	cfg := testConfig(redis.URL())
	a := startApp(t, cfg)
	k := testenv.NewKafka(t, a.Brokers())
	k.Produce(cfg.InputTopic, testenv.ReadTSV(t, filepath.Join(dir, "input.tsv")))
	k.WaitCaughtUp(cfg.GroupID, cfg.InputTopic, 30*time.Second)

	decisions := map[string]map[string]any{}
	for _, topic := range []string{cfg.Topics.Cleared, cfg.Topics.Formal} {
		for _, rec := range k.ReadAll(topic) {
			var d map[string]any
			if err := json.Unmarshal(rec.Value, &d); err != nil {
				t.Fatalf("%s: %v", rec, err)
			}
			if string(rec.Key) != d["parcel_id"] {
				t.Errorf("%s: key %q, want the parcel_id", rec, rec.Key)
			}
			wantTopic := cfg.Topics.Formal
			if d["decision"] == "cleared" {
				wantTopic = cfg.Topics.Cleared
			}
			if topic != wantTopic {
				t.Errorf("%s: decision %v on the wrong topic", rec, d["decision"])
			}
			decisions[d["parcel_id"].(string)] = d
		}
	}
	if len(decisions) != want.Events {
		t.Errorf("got %d decisions, want %d", len(decisions), want.Events)
	}
	// recipient labels: equal labels must have equal recipient_key, and
	// different labels different keys.
	keyOfLabel := map[string]string{}
	for parcel, fields := range want.Decisions {
		got, ok := decisions[parcel]
		if !ok {
			t.Errorf("%s: no decision", parcel)
			continue
		}
		for field, value := range fields {
			switch field {
			case "key":
				continue
			case "recipient":
				label := value.(string)
				if prev, ok := keyOfLabel[label]; ok && prev != got["recipient_key"] {
					t.Errorf("%s: recipient_key %v, but another parcel of recipient %s has %v", parcel, got["recipient_key"], label, prev)
				}
				keyOfLabel[label] = got["recipient_key"].(string)
				continue
			}
			if !reflect.DeepEqual(got[field], value) {
				t.Errorf("%s.%s = %#v, want %#v", parcel, field, got[field], value)
			}
		}
	}

	latest := map[string]map[string]any{}
	for _, rec := range k.ReadAll(cfg.Topics.Alerts) {
		var alert map[string]any
		if err := json.Unmarshal(rec.Value, &alert); err != nil {
			t.Fatal(err)
		}
		id := alert["alert_id"].(string)
		if prev, ok := latest[id]; !ok || alert["version"].(float64) > prev["version"].(float64) {
			latest[id] = alert
		}
	}
	if len(latest) != len(want.Alerts) {
		t.Errorf("got %d alerts, want %d: %v", len(latest), len(want.Alerts), latest)
	}
	for _, w := range want.Alerts {
		var found map[string]any
		for _, got := range latest {
			if got["entry_date"] == w["entry_date"] && got["recipient_key"] == keyOfLabel[w["recipient"].(string)] {
				found = got
			}
		}
		if found == nil {
			t.Errorf("no alert for %v on %v", w["recipient"], w["entry_date"])
			continue
		}
		if !reflect.DeepEqual(found["parcel_ids"], w["parcel_ids"]) || found["version"] != w["versions"] {
			t.Errorf("alert %v: parcel_ids %v version %v, want %v version %v", found["alert_id"], found["parcel_ids"], found["version"], w["parcel_ids"], w["versions"])
		}
	}

	var rejected []string
	for _, rec := range k.ReadAll(cfg.Topics.DLQ) {
		var r struct {
			Raw       string `json:"raw"`
			RawBase64 bool   `json:"raw_base64"`
			Error     string `json:"error"`
		}
		if err := json.Unmarshal(rec.Value, &r); err != nil {
			t.Fatal(err)
		}
		if r.Error == "" || r.RawBase64 {
			t.Errorf("%s: want an error text and raw as text", rec)
		}
		rejected = append(rejected, r.Raw)
	}
	if !reflect.DeepEqual(rejected, want.Rejected) {
		t.Errorf("rejected %q, want %q", rejected, want.Rejected)
	}
}

// checkCopyIsCurrent fails when the contract's examples beside the
// repository differ from the copy in testdata (CI has them; a clone alone
// may not).
func checkCopyIsCurrent(t *testing.T, dir string) {
	shared := filepath.Join("..", "..", "..", "shared", "contract", "examples")
	for _, name := range []string{"input.tsv", "expected.json"} {
		upstream, err := os.ReadFile(filepath.Join(shared, name))
		if err != nil {
			t.Logf("contract examples not beside the repository (%v); using the copy in %s", err, dir)
			return
		}
		local, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(upstream, local) {
			t.Errorf("%s differs from the contract's %s: copy it again", filepath.Join(dir, name), name)
		}
	}
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}
