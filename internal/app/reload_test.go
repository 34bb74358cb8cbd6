package app_test

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/s321/s321/internal/decide"
	"github.com/s321/s321/internal/testenv"
)

func regimesVersion(t *testing.T, httpAddr string) string {
	t.Helper()
	resp, err := http.Get("http://" + httpAddr + "/v1/regimes")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Live struct {
			Version string `json:"version"`
			Regimes []struct {
				ID        string  `json:"id"`
				Threshold *string `json:"threshold"`
			} `json:"regimes"`
		} `json:"live"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	if len(body.Live.Regimes) == 0 {
		t.Fatal("/v1/regimes lists no regime")
	}
	return body.Live.Version
}

// decisionVersion produces one parcel and returns the regime_version of
// its decision.
func decisionVersion(t *testing.T, k *testenv.Kafka, parcelID string) string {
	t.Helper()
	k.Produce("manifests", []testenv.Message{{Key: []byte(parcelID), Value: manifestJSON(parcelID, 1, "2024-05-01T14:00:00Z", "10.00")}})
	k.WaitCaughtUp("s321-processor", "manifests", 30*time.Second)
	for _, rec := range k.ReadAll("parcels.cleared") {
		var d struct {
			ParcelID      string `json:"parcel_id"`
			RegimeVersion string `json:"regime_version"`
		}
		if err := json.Unmarshal(rec.Value, &d); err != nil {
			t.Fatal(err)
		}
		if d.ParcelID == parcelID {
			return d.RegimeVersion
		}
	}
	t.Fatalf("no decision for %s", parcelID)
	return ""
}

func TestReloadRefusesABadFileWhole(t *testing.T) {
	dir := t.TempDir()
	regimes := filepath.Join(dir, "regimes.json")
	if err := os.WriteFile(regimes, decide.BuiltinJSON(), 0o644); err != nil {
		t.Fatal(err)
	}
	redis := testenv.StartRedis(t)
	cfg := testConfig(redis.URL())
	cfg.RegimesFile = regimes
	cfg.ReloadInterval = 0 // on Reload only
	a := startApp(t, cfg)
	k := testenv.NewKafka(t, a.Brokers())
	before := regimesVersion(t, a.HTTPAddr())
	if v := decisionVersion(t, k, "V-1"); v != before || v != decide.Builtin().Version() {
		t.Fatalf("decision regime_version %s, /v1/regimes %s, want the built-in %s", v, before, decide.Builtin().Version())
	}

	// A bad file: refused, counted, the old table stays.
	bad := strings.Replace(string(decide.BuiltinJSON()), `"threshold": "800"`, `"threshold": "800.001"`, 1)
	if err := os.WriteFile(regimes, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	a.Reload()
	testenv.WaitFor(t, 20*time.Second, "the reload error to be counted", func() bool { return metric(t, a.HTTPAddr(), "s321_table_reload_errors_total") == "1" })
	if v := decisionVersion(t, k, "V-2"); v != before {
		t.Errorf("after a bad reload the decision carries %s, want the old %s", v, before)
	}

	// A good file with another threshold: swapped.
	good := strings.Replace(string(decide.BuiltinJSON()), `"threshold": "800"`, `"threshold": "900"`, 1)
	if err := os.WriteFile(regimes, []byte(good), 0o644); err != nil {
		t.Fatal(err)
	}
	a.Reload()
	testenv.WaitFor(t, 20*time.Second, "the reload", func() bool { return metric(t, a.HTTPAddr(), "s321_table_reloads_total") == "1" })
	after := regimesVersion(t, a.HTTPAddr())
	if after == before {
		t.Fatal("version unchanged after reloading a different table")
	}
	if v := decisionVersion(t, k, "V-3"); v != after {
		t.Errorf("decision after the reload carries %s, want %s", v, after)
	}
}

func TestReloadWhenTheFileChanges(t *testing.T) {
	dir := t.TempDir()
	rates := filepath.Join(dir, "rates.csv")
	if err := os.WriteFile(rates, []byte("currency,valid_from,usd_per_unit\nEUR,2024-01-01,1.10\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	redis := testenv.StartRedis(t)
	cfg := testConfig(redis.URL())
	cfg.FXRatesFile = rates
	cfg.ReloadInterval = 20 * time.Millisecond
	a := startApp(t, cfg)
	if err := os.WriteFile(rates, []byte("currency,valid_from,usd_per_unit\nEUR,2024-01-01,1.10\nGBP,2024-01-01,1.27\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	testenv.WaitFor(t, 20*time.Second, "the changed rates to load", func() bool { return ratesCount(t, a.HTTPAddr()) == 2 })
}

func ratesCount(t *testing.T, httpAddr string) int {
	resp, err := http.Get("http://" + httpAddr + "/v1/regimes")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		FXRates int `json:"fx_rates"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	return body.FXRates
}

// metric returns a metric's value as text from /metrics, "" when absent.
func metric(t *testing.T, httpAddr, name string) string {
	t.Helper()
	resp, err := http.Get("http://" + httpAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	text, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(text), "\n") {
		if rest, ok := strings.CutPrefix(line, name+" "); ok {
			return strings.TrimSpace(rest)
		}
	}
	return ""
}
