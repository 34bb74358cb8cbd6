package app_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/s321/s321/internal/testenv"
)

// TestSplitOrderAcrossCarriersAndSpellings: a sender splits one $1,000
// order into four $250 parcels, through three carriers, writing the
// recipient four ways. Through the broker and a real redis-server, the
// four parcels are one recipient, the fourth is refused for the day total,
// and both the split_shipment and the split_order alert list all four.
func TestSplitOrderAcrossCarriersAndSpellings(t *testing.T) {
	redis := testenv.StartRedis(t)
	cfg := testConfig(redis.URL())
	a := startApp(t, cfg)
	k := testenv.NewKafka(t, a.Brokers())

	spellings := []struct{ carrier, name, line1, line2, zip string }{
		{"DHL", "John Smith", "12 Oak Street", "Apt 4B", "10001"},
		{"UPS", "SMITH, JOHN", "12 oak st", "#4B", "10001-1234"},
		{"FedEx", "Mr. John Smith", "12 Oak St.", "Apartment 4-B", "10001"},
		{"DHL", "john  smith", "12 OAK STREET UNIT 4B", "", "10001 1234"},
	}
	var msgs []testenv.Message
	for i, s := range spellings {
		id := fmt.Sprintf("SPLIT-%d", i+1)
		value := fmt.Sprintf(`{"parcel_id":%q,"carrier":%q,"arrival_time":"2024-05-01T1%d:00:00Z","seller":"Gadgets Ltd","order_id":"A-77",`+
			`"recipient":{"name":%q,"address_line1":%q,"address_line2":%q,"city":"New York","state":"NY","postal_code":%q},`+
			`"items":[{"description":"phone part","hts_code":"8517.79.0000","origin_country":"VN","value":"250.00"}]}`,
			id, s.carrier, i, s.name, s.line1, s.line2, s.zip)
		msgs = append(msgs, testenv.Message{Key: []byte(id), Value: []byte(value)})
	}
	k.Produce(cfg.InputTopic, msgs)
	k.WaitCaughtUp(cfg.GroupID, cfg.InputTopic, 30*time.Second)

	decisions := readDecisions(t, k, cfg)
	keys := map[string]bool{}
	refused := 0
	for _, ds := range decisions {
		keys[ds[0].RecipientKey] = true
		if ds[0].Decision == "formal_entry_required" {
			refused++
			if strings.Join(ds[0].Reasons, ",") != "DAILY_TOTAL_OVER_THRESHOLD" || ds[0].RecipientDayTotal != "1000.00" {
				t.Errorf("%s: %v at %s, want DAILY_TOTAL_OVER_THRESHOLD at 1000.00", ds[0].ParcelID, ds[0].Reasons, ds[0].RecipientDayTotal)
			}
		}
	}
	if len(decisions) != 4 || len(keys) != 1 || refused != 1 {
		t.Fatalf("%d decisions, %d recipient keys, %d refused; want 4, 1, 1", len(decisions), len(keys), refused)
	}

	latest := map[string]map[string]any{}
	for _, rec := range k.ReadAll(cfg.Topics.Alerts) {
		var alert map[string]any
		if err := json.Unmarshal(rec.Value, &alert); err != nil {
			t.Fatal(err)
		}
		kind := alert["type"].(string)
		if prev, ok := latest[kind]; !ok || alert["version"].(float64) > prev["version"].(float64) {
			latest[kind] = alert
		}
	}
	for _, kind := range []string{"split_shipment", "split_order"} {
		alert, ok := latest[kind]
		if !ok {
			t.Errorf("no %s alert", kind)
			continue
		}
		var parcels, carriers []string
		for _, p := range alert["parcel_ids"].([]any) {
			parcels = append(parcels, p.(string))
		}
		for _, c := range alert["carriers"].([]any) {
			carriers = append(carriers, c.(string))
		}
		slices.Sort(parcels)
		if strings.Join(parcels, ",") != "SPLIT-1,SPLIT-2,SPLIT-3,SPLIT-4" || strings.Join(carriers, ",") != "DHL,FedEx,UPS" || alert["day_total"] != "1000.00" {
			t.Errorf("%s: parcels %v carriers %v total %v", kind, parcels, carriers, alert["day_total"])
		}
	}
	if _, ok := latest["address_cluster"]; ok {
		t.Error("an address_cluster alert for one recipient's four spellings")
	}
	for kind, want := range map[string]string{"split_shipment": "1", "split_order": "1", "address_cluster": "0"} {
		if got := metric(t, a.HTTPAddr(), `s321_alerts_total{type="`+kind+`"}`); got != want {
			t.Errorf("s321_alerts_total of %s = %q, want %s", kind, got, want)
		}
	}
}
