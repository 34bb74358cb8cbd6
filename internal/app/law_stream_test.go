package app_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/s321/s321/internal/testenv"
)

// TestLawAndBoundsThroughKafka sends the contract's additions within v1
// through the embedded broker to a processor on a real redis-server, as a
// carrier would, and reads the decisions as a billing system would: mail
// entry, a purchase that claims to be a gift, a gift from the Virgin
// Islands, the day of importation at the port, the rate of the date of
// exportation, an amend from another carrier, and an alert's
// parcel_count.
func TestLawAndBoundsThroughKafka(t *testing.T) {
	redis := testenv.StartRedis(t)
	cfg := testConfig(redis.URL())
	rates := filepath.Join(t.TempDir(), "rates.csv")
	if err := os.WriteFile(rates, []byte("currency,valid_from,usd_per_unit\nEUR,2026-01-01,1.1000\nEUR,2026-03-01,1.2000\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg.FXRatesFile = rates
	a := startApp(t, cfg)
	k := testenv.NewKafka(t, a.Brokers())
	const suspended = "2026-03-02T15:00:00Z" // us-321-suspended: every parcel needs an entry
	recipient := func(n string) string {
		return `"recipient":{"name":"Law Tester ` + n + `","address_line1":"` + n + ` Main St","city":"Anytown","state":"NY","postal_code":"12345"}`
	}
	item := func(value, currency string) string {
		return `"items":[{"description":"book","origin_country":"GB","value":"` + value + `","currency":"` + currency + `"}]`
	}
	messages := map[string]string{
		"L-MAIL":  `{"parcel_id":"L-MAIL","carrier":"USPS","mode":"postal","arrival_time":"` + suspended + `",` + recipient("1") + `,` + item("40.00", "USD") + `}`,
		"L-BUY":   `{"parcel_id":"L-BUY","carrier":"DHL","gift":true,"seller":"Shop Ltd","arrival_time":"` + suspended + `",` + recipient("2") + `,` + item("20.00", "USD") + `}`,
		"L-VI":    `{"parcel_id":"L-VI","carrier":"DHL","gift":true,"shipper":{"name":"Aunt","country":"VI"},"arrival_time":"` + suspended + `",` + recipient("3") + `,` + item("150.00", "USD") + `}`,
		"L-PORT":  `{"parcel_id":"L-PORT","carrier":"UPS","port_of_entry":"2704","arrival_time":"2026-03-03T06:30:00Z",` + recipient("4") + `,` + item("10.00", "USD") + `}`,
		"L-EXP":   `{"parcel_id":"L-EXP","carrier":"UPS","export_date":"2026-02-20","arrival_time":"` + suspended + `",` + recipient("5") + `,` + item("100.00", "EUR") + `}`,
		"L-SPLIT": `{"parcel_id":"L-SPLIT","carrier":"UPS","arrival_time":"2025-03-03T15:00:00Z",` + recipient("6") + `,` + item("500.00", "USD") + `}`,
		"L-SPL2":  `{"parcel_id":"L-SPL2","carrier":"UPS","arrival_time":"2025-03-03T16:00:00Z",` + recipient("6") + `,` + item("500.00", "USD") + `}`,
	}
	var msgs []testenv.Message
	for _, id := range []string{"L-MAIL", "L-BUY", "L-VI", "L-PORT", "L-EXP", "L-SPLIT", "L-SPL2"} {
		msgs = append(msgs, testenv.Message{Key: []byte("one-partition"), Value: []byte(messages[id])})
	}
	// An amend of L-SPLIT from another carrier than the one that sent it.
	msgs = append(msgs, testenv.Message{Key: []byte("one-partition"), Value: []byte(strings.Replace(strings.Replace(messages["L-SPLIT"],
		`"carrier":"UPS"`, `"carrier":"FedEx","type":"amend","event_id":"L-SPLIT-a1"`, 1), `"500.00"`, `"1.00"`, 1))})
	k.Produce(cfg.InputTopic, msgs)
	k.WaitCaughtUp(cfg.GroupID, cfg.InputTopic, 30*time.Second)

	decisions := map[string]map[string]any{}
	for _, topic := range []string{cfg.Topics.Cleared, cfg.Topics.Formal} {
		for _, rec := range k.ReadAll(topic) {
			var d map[string]any
			if err := json.Unmarshal(rec.Value, &d); err != nil {
				t.Fatal(err)
			}
			decisions[d["parcel_id"].(string)] = d
		}
	}
	checks := []struct{ parcel, field, want string }{
		{"L-MAIL", "entry_type", "mail"},
		{"L-BUY", "decision", "formal_entry_required"},
		{"L-BUY", "exemption", "<nil>"},
		{"L-VI", "decision", "cleared"},
		{"L-VI", "exemption", "gift"},
		{"L-PORT", "entry_date", "2026-03-02"}, // 06:30Z is 22:30 the day before in Los Angeles
		{"L-EXP", "parcel_value", "110.00"},    // the rate of 20 February, not of 2 March
		{"L-SPL2", "reasons", "[DAILY_TOTAL_OVER_THRESHOLD]"},
	}
	for _, c := range checks {
		d, ok := decisions[c.parcel]
		if !ok {
			t.Errorf("%s: no decision", c.parcel)
			continue
		}
		if got := stringOf(d[c.field]); got != c.want {
			t.Errorf("%s %s = %s, want %s", c.parcel, c.field, got, c.want)
		}
	}
	var alert map[string]any
	for _, rec := range k.ReadAll(cfg.Topics.Alerts) {
		if err := json.Unmarshal(rec.Value, &alert); err != nil {
			t.Fatal(err)
		}
	}
	if alert == nil || stringOf(alert["parcel_count"]) != "2" {
		t.Errorf("alert %v, want parcel_count 2", alert)
	}
	dlq := k.ReadAll(cfg.Topics.DLQ)
	if len(dlq) != 1 || !strings.Contains(string(dlq[0].Value), "carrier: an amend must come from the carrier that sent parcel L-SPLIT") {
		t.Errorf("DLQ %v, want the amend from another carrier", dlq)
	}
}

func stringOf(v any) string {
	switch v := v.(type) {
	case nil:
		return "<nil>"
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case []any:
		parts := make([]string, len(v))
		for i, p := range v {
			parts[i] = stringOf(p)
		}
		return "[" + strings.Join(parts, " ") + "]"
	}
	b, _ := json.Marshal(v)
	return string(b)
}
