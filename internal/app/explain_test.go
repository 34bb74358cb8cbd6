package app_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/s321/s321/internal/app"
	"github.com/s321/s321/internal/testenv"
)

func getJSON(t *testing.T, url string, v any) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if v != nil && resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(body, v); err != nil {
			t.Fatalf("%s: %v\n%s", url, err, body)
		}
	}
	return resp.StatusCode
}

// TestExplainAndQueries runs the contract's example stream and asks why
// parcels got their decisions: one cleared, one refused for the day total
// (and in the split alert), and the state of the recipient's day.
func TestExplainAndQueries(t *testing.T) {
	redis := testenv.StartRedis(t)
	cfg := testConfig(redis.URL())
	a := startApp(t, cfg)
	k := testenv.NewKafka(t, a.Brokers())
	k.Produce(cfg.InputTopic, testenv.ReadTSV(t, filepath.Join(testenv.ContractExamples(t), "input.tsv")))
	k.WaitCaughtUp(cfg.GroupID, cfg.InputTopic, 30*time.Second)
	base := "http://" + a.HTTPAddr()

	explain := func(parcel string) (*app.Explanation, string) {
		var exp app.Explanation
		if code := getJSON(t, base+"/v1/parcels/"+parcel, &exp); code != http.StatusOK {
			t.Fatalf("GET /v1/parcels/%s: %d", parcel, code)
		}
		var text bytes.Buffer
		if err := exp.WriteText(&text); err != nil {
			t.Fatal(err)
		}
		return &exp, text.String()
	}

	exp, text := explain("PUB-1")
	for _, want := range []string{"parcel PUB-1: cleared (de minimis)", "regime us-321-800 (threshold $800)", "TFTEA", "no reason applies", "PUB-1", "$450.00"} {
		if !strings.Contains(text, want) {
			t.Errorf("PUB-1 explanation lacks %q:\n%s", want, text)
		}
	}
	if len(exp.CountedAtTheTime) != 1 || len(exp.Alerts) != 1 {
		t.Errorf("PUB-1: counted at the time %v, alerts %d; want [PUB-1] and the split alert it is listed in", exp.CountedAtTheTime, len(exp.Alerts))
	}

	exp, text = explain("PUB-2")
	for _, want := range []string{"parcel PUB-2: formal_entry_required (informal entry)", "DAILY_TOTAL_OVER_THRESHOLD", "19 CFR 10.151",
		"day total $850.00", "PUB-1", "$450.00", "<- this parcel", "alert split_shipment, version 1"} {
		if !strings.Contains(text, want) {
			t.Errorf("PUB-2 explanation lacks %q:\n%s", want, text)
		}
	}
	if strings.Join(exp.CountedAtTheTime, ",") != "PUB-1,PUB-2" {
		t.Errorf("PUB-2 counted at the time: %v", exp.CountedAtTheTime)
	}
	for _, private := range []string{"Ann", "Sample", "12345"} {
		if strings.Contains(text, private) {
			t.Errorf("the explanation shows recipient data %q", private)
		}
	}

	_, text = explain("PUB-6")
	if !strings.Contains(text, "regime us-321-suspended (no de minimis)") || !strings.Contains(text, "Executive Order 14324") {
		t.Errorf("PUB-6 explanation:\n%s", text)
	}

	var day struct {
		Total   string `json:"total"`
		Parcels []struct {
			ParcelID string `json:"parcel_id"`
			Value    string `json:"value"`
		} `json:"parcels"`
	}
	if code := getJSON(t, base+"/v1/recipients/"+exp.Day.RecipientKey+"/days/2024-05-01", &day); code != 200 || day.Total != "850.00" || len(day.Parcels) != 2 {
		t.Errorf("day: %d %+v", code, day)
	}
	var alerts struct {
		Alerts []struct {
			Type      string   `json:"type"`
			ParcelIDs []string `json:"parcel_ids"`
		} `json:"alerts"`
	}
	if code := getJSON(t, base+"/v1/alerts?date=2024-05-01", &alerts); code != 200 || len(alerts.Alerts) != 1 || alerts.Alerts[0].Type != "split_shipment" {
		t.Errorf("alerts: %d %+v", code, alerts)
	}

	for url, want := range map[string]int{
		"/v1/parcels/NEVER-SEEN":                                      http.StatusNotFound,
		"/v1/parcels/bad%20id":                                        http.StatusBadRequest,
		"/v1/recipients/xyz/days/2024-05-01":                          http.StatusBadRequest,
		"/v1/recipients/" + exp.Day.RecipientKey + "/days/2020-01-01": http.StatusNotFound,
		"/v1/alerts?date=yesterday":                                   http.StatusBadRequest,
	} {
		if code := getJSON(t, base+url, nil); code != want {
			t.Errorf("GET %s: %d, want %d", url, code, want)
		}
	}
}

// TestKeepDecisionsOff: with --keep-decisions=false the outputs are the
// contract's, the day totals are kept, and neither decisions nor alerts
// are written to Redis; the queries for them say why they find nothing.
func TestKeepDecisionsOff(t *testing.T) {
	dir := testenv.ContractExamples(t)
	redis := testenv.StartRedis(t)
	cfg := testConfig(redis.URL())
	cfg.KeepDecisions = false
	a := startApp(t, cfg)
	k := testenv.NewKafka(t, a.Brokers())
	k.Produce(cfg.InputTopic, testenv.ReadTSV(t, filepath.Join(dir, "input.tsv")))
	k.WaitCaughtUp(cfg.GroupID, cfg.InputTopic, 30*time.Second)
	checkContractOutputs(t, dir, cfg, k)

	rdb := redis.Client()
	ctx := t.Context()
	for pattern, want := range map[string]bool{
		cfg.KeyPrefix + ":{*":       true, // recipients' days
		cfg.KeyPrefix + ":parcel:*": false,
		cfg.KeyPrefix + ":alerts:*": false,
	} {
		keys, err := rdb.Keys(ctx, pattern).Result()
		if err != nil {
			t.Fatal(err)
		}
		if got := len(keys) > 0; got != want {
			t.Errorf("keys %s: %d", pattern, len(keys))
		}
	}

	base := "http://" + a.HTTPAddr()
	for _, url := range []string{"/v1/parcels/PUB-1", "/v1/alerts?date=2024-05-01"} {
		resp, err := http.Get(base + url)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound || !bytes.Contains(body, []byte("--keep-decisions=false")) {
			t.Errorf("GET %s: %d %s, want 404 naming --keep-decisions=false", url, resp.StatusCode, body)
		}
	}
}
