package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/s321/s321/internal/app"
	"github.com/s321/s321/internal/testenv"
)

// manifestJSON is a valid manifest.v1 for recipient n, worth value.
func manifestJSON(parcel string, recipient int, arrival, value string) []byte {
	return []byte(fmt.Sprintf(`{"parcel_id":%q,"carrier":"UPS","arrival_time":%q,`+
		`"recipient":{"name":"Test Recipient %d","address_line1":"%d Test Street","city":"Testville","state":"NY","postal_code":"10001"},`+
		`"items":[{"description":"shirt","origin_country":"VN","value":%q}]}`, parcel, arrival, recipient, recipient, value))
}

type decision struct {
	DecisionID        string   `json:"decision_id"`
	ParcelID          string   `json:"parcel_id"`
	Decision          string   `json:"decision"`
	Reasons           []string `json:"reasons"`
	RecipientKey      string   `json:"recipient_key"`
	RecipientDayTotal string   `json:"recipient_day_total"`
	EntryDate         string   `json:"entry_date"`
	ParcelValue       string   `json:"parcel_value"`
}

// readDecisions returns every decision published, by parcel, in the order
// read.
func readDecisions(t *testing.T, k *testenv.Kafka, cfg app.Config) map[string][]decision {
	t.Helper()
	out := map[string][]decision{}
	for _, topic := range []string{cfg.Topics.Cleared, cfg.Topics.Formal} {
		for _, rec := range k.ReadAll(topic) {
			var d decision
			if err := json.Unmarshal(rec.Value, &d); err != nil {
				t.Fatalf("%s: %v", rec, err)
			}
			out[d.ParcelID] = append(out[d.ParcelID], d)
		}
	}
	return out
}

type rejected struct {
	Error     string `json:"error"`
	Raw       string `json:"raw"`
	RawBase64 bool   `json:"raw_base64"`
	Source    struct {
		Topic  string `json:"topic"`
		Offset int64  `json:"offset"`
	} `json:"source"`
}

func TestBadMessagesGoToDLQAndTheStreamGoesOn(t *testing.T) {
	redis := testenv.StartRedis(t)
	cfg := testConfig(redis.URL())
	cfg.MaxMessageBytes = 2048
	a := startApp(t, cfg)
	k := testenv.NewKafka(t, a.Brokers())

	oversize := manifestJSON("BIG-1", 9, "2024-05-01T14:00:00Z", "1.00")
	oversize = append(oversize[:len(oversize)-1], []byte(`,"pad":"`+strings.Repeat("x", 3000)+`"}`)...)
	cases := []struct {
		value     []byte
		wantError string // empty: decided
		base64    bool
	}{
		{manifestJSON("OK-1", 1, "2024-05-01T14:00:00Z", "10.00"), "", false},
		{[]byte(`{"parcel_id": "BAD-1", `), "message: invalid JSON", false},
		{[]byte{}, "message:", false},
		{[]byte("{\"parcel_id\":\"BAD-2\xff\"}"), "message: must be valid UTF-8", true},
		{[]byte(strings.Replace(string(manifestJSON("BAD-3", 1, "2024-05-01T14:00:00Z", "-1.00")), `"-1.00"`, `"-1.00"`, 1)), "items[0].value: must not be negative", false},
		{manifestJSON("BAD-4", 1, "2024-05-01T14:00:00", "1.00"), "arrival_time:", false},
		{[]byte(strings.Replace(string(manifestJSON("BAD-5", 1, "2024-05-01T14:00:00Z", "1.00")), `"value"`, `"currency":"EUR","value"`, 1)), "items[0].currency: no EUR exchange rate in force on 2024-05-01", false},
		{oversize, "message: 3", false},
		{manifestJSON("OK-2", 1, "2024-05-01T15:00:00Z", "20.00"), "", false},
	}
	var msgs []testenv.Message
	for _, c := range cases {
		msgs = append(msgs, testenv.Message{Key: []byte("same-partition"), Value: c.value})
	}
	k.Produce(cfg.InputTopic, msgs)
	k.WaitCaughtUp(cfg.GroupID, cfg.InputTopic, 30*time.Second)

	decisions := readDecisions(t, k, cfg)
	if len(decisions) != 2 || decisions["OK-2"][0].RecipientDayTotal != "30.00" {
		t.Errorf("decisions %+v, want OK-1 and OK-2 with a day total of 30.00", decisions)
	}
	dlq := k.ReadAll(cfg.Topics.DLQ)
	var bad []int
	for i, c := range cases {
		if c.wantError != "" {
			bad = append(bad, i)
		}
	}
	if len(dlq) != len(bad) {
		t.Fatalf("%d rejections, want %d", len(dlq), len(bad))
	}
	for j, rec := range dlq {
		c := cases[bad[j]]
		var r rejected
		if err := json.Unmarshal(rec.Value, &r); err != nil {
			t.Fatal(err)
		}
		if string(rec.Key) != "same-partition" {
			t.Errorf("rejection %d: key %q, want the input key", j, rec.Key)
		}
		if !strings.HasPrefix(r.Error, c.wantError) {
			t.Errorf("rejection %d: error %q, want it to start with %q", j, r.Error, c.wantError)
		}
		raw := r.Raw
		if r.RawBase64 != c.base64 {
			t.Errorf("rejection %d: raw_base64 %v, want %v", j, r.RawBase64, c.base64)
		}
		var truncated struct {
			RawTruncated bool `json:"raw_truncated"`
			RawBytes     int  `json:"raw_bytes"`
		}
		_ = json.Unmarshal(rec.Value, &truncated)
		switch {
		case len(c.value) > cfg.MaxMessageBytes:
			// Over the limit: the DLQ record stays within it, so raw is
			// the first part of the message.
			if !truncated.RawTruncated || truncated.RawBytes != len(c.value) || !strings.HasPrefix(string(c.value), raw) {
				t.Errorf("rejection %d: oversize message copied as %d bytes, truncated %v", j, len(raw), truncated.RawTruncated)
			}
		case !c.base64 && raw != string(c.value):
			t.Errorf("rejection %d: raw %q, want the message whole", j, raw)
		}
		if r.Source.Topic != cfg.InputTopic || r.Source.Offset != int64(bad[j]) {
			t.Errorf("rejection %d: source %+v, want %s offset %d", j, r.Source, cfg.InputTopic, bad[j])
		}
	}
}

// TestRedeliveryGetsTheSameDecisionAndCountsOnce replays a whole stream to
// a second processor (a new consumer group reads from offset 0, as after
// a crash before any commit) against the same Redis.
func TestRedeliveryGetsTheSameDecisionAndCountsOnce(t *testing.T) {
	redis := testenv.StartRedis(t)
	cfg := testConfig(redis.URL())
	cfg.RecipientKeySecret = "a-test-secret-of-enough-length"
	a := startApp(t, cfg)
	k := testenv.NewKafka(t, a.Brokers())
	var msgs []testenv.Message
	for i := 0; i < 300; i++ {
		// 30 recipients, 10 parcels each on one day: totals run over 800.
		msgs = append(msgs, testenv.Message{
			Key:   []byte(fmt.Sprintf("P-%d", i)),
			Value: manifestJSON(fmt.Sprintf("P-%d", i), i%30, "2024-05-01T14:00:00Z", "95.50"),
		})
	}
	k.Produce(cfg.InputTopic, msgs)
	k.WaitCaughtUp(cfg.GroupID, cfg.InputTopic, 60*time.Second)
	first := readDecisions(t, k, cfg)

	replay := cfg
	replay.GroupID = "replay"
	replay.Brokers = a.Brokers() // the first processor's embedded broker
	startApp(t, replay)
	k.WaitCaughtUp(replay.GroupID, cfg.InputTopic, 60*time.Second)
	all := readDecisions(t, k, cfg)

	totals := map[string]string{}
	for parcel, ds := range all {
		if len(ds) != 2 {
			t.Errorf("%s: %d decisions, want 2 (first and replayed)", parcel, len(ds))
			continue
		}
		a, b := ds[0], ds[1]
		if a.DecisionID != b.DecisionID || a.Decision != b.Decision || strings.Join(a.Reasons, ",") != strings.Join(b.Reasons, ",") || a.RecipientDayTotal != b.RecipientDayTotal {
			t.Errorf("%s: replayed decision %+v differs from the first %+v", parcel, b, a)
		}
		if first[parcel][0].DecisionID != a.DecisionID {
			t.Errorf("%s: decision id changed", parcel)
		}
		totals[a.RecipientKey] = maxTotal(totals[a.RecipientKey], a.RecipientDayTotal)
	}
	if len(totals) != 30 {
		t.Errorf("%d recipients, want 30", len(totals))
	}
	for key, total := range totals {
		if total != "955.00" {
			t.Errorf("recipient %s: highest day total %s, want 955.00 (10 parcels of 95.50, each counted once)", key[:8], total)
		}
	}
}

func maxTotal(a, b string) string {
	if len(b) > len(a) || (len(b) == len(a) && b > a) {
		return b
	}
	return a
}

func TestHealthReadyAndMetrics(t *testing.T) {
	redis := testenv.StartRedis(t)
	cfg := testConfig(redis.URL())
	a := startApp(t, cfg)
	k := testenv.NewKafka(t, a.Brokers())
	k.Produce(cfg.InputTopic, []testenv.Message{{Key: []byte("x"), Value: manifestJSON("M-1", 1, "2025-09-10T14:00:00Z", "5")}})
	k.WaitCaughtUp(cfg.GroupID, cfg.InputTopic, 30*time.Second)

	k.Produce(cfg.InputTopic, []testenv.Message{{Key: []byte("x"), Value: []byte(`{"parcel_id":"M-2","items":"nope"}`)}})
	k.WaitCaughtUp(cfg.GroupID, cfg.InputTopic, 30*time.Second)
	for _, want := range []string{
		`s321_decision_reasons_total{reason="DE_MINIMIS_SUSPENDED"} 1`,
		`s321_rejected_by_class_total{class="carrier"} 1`,
		`s321_decision_latency_seconds_count 2`,
		`s321_batch_messages_count 2`,
		`s321_stage_seconds_count{stage="count"} 2`,
		`s321_stage_seconds_count{stage="link"} 2`,
		`s321_stage_seconds_count{stage="record"} 2`,
		`s321_stage_seconds_count{stage="publish"} 2`,
		`s321_consumer_lag{partition="0",topic="manifests"} 0`,
		`s321_alerts_total{type="split_order"} 0`,
		`s321_state_subjects_created_total{how="script"} 0`,
	} {
		if got := metricsText(t, a.HTTPAddr()); !strings.Contains(got, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	// M-1's subjects, each new, were created by RESTORE.
	if got := metricsText(t, a.HTTPAddr()); !regexp.MustCompile(`s321_state_subjects_created_total\{how="restore"\} [1-9]`).MatchString(got) {
		t.Errorf("/metrics counts no subject created by RESTORE:\n%s", got)
	}
	for path, want := range map[string]string{
		"/healthz": "ok",
		"/readyz":  "ready",
	} {
		resp, err := http.Get("http://" + a.HTTPAddr() + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), want) {
			t.Errorf("GET %s: %d, body without %q:\n%.2000s", path, resp.StatusCode, want, body)
		}
	}
}

// TestRedisOutage stops redis-server mid-stream: the processor reports not
// ready, retries, and after Redis is back decides everything, counting
// each parcel once.
func TestRedisOutage(t *testing.T) {
	redis := testenv.StartRedis(t)
	cfg := testConfig(redis.URL())
	a := startApp(t, cfg)
	k := testenv.NewKafka(t, a.Brokers())
	batch := func(from, to int) []testenv.Message {
		var msgs []testenv.Message
		for i := from; i < to; i++ {
			msgs = append(msgs, testenv.Message{Key: []byte(fmt.Sprint(i)), Value: manifestJSON(fmt.Sprintf("R-%d", i), i%5, "2024-06-01T14:00:00Z", "10.00")})
		}
		return msgs
	}
	k.Produce(cfg.InputTopic, batch(0, 50))
	k.WaitCaughtUp(cfg.GroupID, cfg.InputTopic, 30*time.Second)

	redis.Stop()
	k.Produce(cfg.InputTopic, batch(50, 100))
	ctx := context.Background()
	deadline := time.Now().Add(30 * time.Second)
	for a.Ready(ctx) {
		if time.Now().After(deadline) {
			t.Fatal("still ready 30s after Redis stopped")
		}
		time.Sleep(50 * time.Millisecond)
	}
	for a.ConsumerStats().Retries.Load() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no batch retried while Redis was down")
		}
		time.Sleep(50 * time.Millisecond)
	}
	redis.Start()
	k.WaitCaughtUp(cfg.GroupID, cfg.InputTopic, 60*time.Second)

	decisions := readDecisions(t, k, cfg)
	if len(decisions) != 100 {
		t.Fatalf("%d parcels decided, want 100", len(decisions))
	}
	highest := map[string]string{}
	for _, ds := range decisions {
		for _, d := range ds {
			highest[d.RecipientKey] = maxTotal(highest[d.RecipientKey], d.RecipientDayTotal)
		}
	}
	for key, total := range highest {
		if total != "200.00" {
			t.Errorf("recipient %s: day total %s, want 200.00 (20 parcels of 10.00)", key[:8], total)
		}
	}
}

func metricsText(t *testing.T, httpAddr string) string {
	t.Helper()
	resp, err := http.Get("http://" + httpAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return string(body)
}
