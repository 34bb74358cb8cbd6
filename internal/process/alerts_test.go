package process_test

import (
	"fmt"
	"strings"
	"testing"
)

// manifestFor writes a manifest.v1 with the recipient, order and contact
// given as JSON fragments.
func manifestFor(id, carrier, arrival, value, recipient, extra string) string {
	return fmt.Sprintf(`{"parcel_id":%q,"carrier":%q,"arrival_time":%q,%s"recipient":{%s},`+
		`"items":[{"description":"thing","origin_country":"VN","value":%q}]}`, id, carrier, arrival, extra, recipient, value)
}

func recipient(name, line1, zip, extra string) string {
	return fmt.Sprintf(`"name":%q,"address_line1":%q,"city":"Troy","state":"NY","postal_code":%q%s`, name, line1, zip, extra)
}

func alertsOf(got []out, kind string) []out {
	var alerts []out
	for _, o := range got {
		if o.Topic == "alerts.split-shipment" && o.Alert.Type == kind {
			alerts = append(alerts, o)
		}
	}
	return alerts
}

// alertVersions returns the published alerts of a kind, failing the test
// unless their versions are want, in order.
func alertVersions(t *testing.T, got []out, kind string, want []int64) []out {
	t.Helper()
	alerts := alertsOf(got, kind)
	var versions []int64
	for _, a := range alerts {
		versions = append(versions, a.Alert.Version)
	}
	if fmt.Sprint(versions) != fmt.Sprint(want) {
		t.Fatalf("%s versions %v, want %v", kind, versions, want)
	}
	return alerts
}

func TestSplitOrderAlert(t *testing.T) {
	order := `"seller":"Shop","order_id":"ORD-1",`
	day1, day2 := "2024-05-01T14:00:00Z", "2024-05-03T14:00:00Z"
	tests := []struct {
		name     string
		messages []string
		versions []int64 // of the split_order alerts published, in order
	}{
		{"one order over two recipients and days, above 800", []string{
			manifestFor("O1", "DHL", day1, "500.00", recipient("Ann Example", "1 Sample Way", "12345", ""), order),
			manifestFor("O2", "UPS", day2, "300.01", recipient("Bob Other", "9 Far Road", "54321", ""), order),
			manifestFor("O3", "USPS", day2, "1.00", recipient("Cat Third", "3 Near Lane", "11111", ""), order),
		}, []int64{1, 2}},
		{"exactly 800 is within the threshold", []string{
			manifestFor("O1", "DHL", day1, "500.00", recipient("Ann Example", "1 Sample Way", "12345", ""), order),
			manifestFor("O2", "UPS", day2, "300.00", recipient("Bob Other", "9 Far Road", "54321", ""), order),
		}, nil},
		{"another seller's order of the same number is another order", []string{
			manifestFor("O1", "DHL", day1, "500.00", recipient("Ann Example", "1 Sample Way", "12345", ""), order),
			manifestFor("O2", "UPS", day2, "500.00", recipient("Bob Other", "9 Far Road", "54321", ""), `"seller":"Other shop","order_id":"ORD-1",`),
		}, nil},
		{"no alert under the suspension", []string{
			manifestFor("O1", "DHL", "2025-09-10T14:00:00Z", "500.00", recipient("Ann Example", "1 Sample Way", "12345", ""), order),
			manifestFor("O2", "UPS", "2025-09-11T14:00:00Z", "500.00", recipient("Bob Other", "9 Far Road", "54321", ""), order),
		}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, options{})
			alerts := alertVersions(t, f.run(t, tc.messages...), "split_order", tc.versions)
			if len(alerts) == 0 {
				return
			}
			last := alerts[len(alerts)-1].Alert
			if strings.Join(last.ParcelIDs, ",") != "O1,O2,O3" || strings.Join(last.Carriers, ",") != "DHL,UPS,USPS" || last.DayTotal != "801.01" {
				t.Errorf("last version: parcels %v carriers %v total %s", last.ParcelIDs, last.Carriers, last.DayTotal)
			}
			if last.AlertID != alerts[0].Alert.AlertID || last.SubjectKey == "" || !strings.Contains(last.Reason, "single order") {
				t.Errorf("alert id %s vs %s, subject %q, reason %q", last.AlertID, alerts[0].Alert.AlertID, last.SubjectKey, last.Reason)
			}
		})
	}
}

func TestAddressClusterAlert(t *testing.T) {
	day := "2024-05-01T14:00:00Z"
	at := func(id, name, value string) string {
		return manifestFor(id, "DHL", day, value, recipient(name, "7 Shared Court Apt 2", "22222", ""), "")
	}
	tests := []struct {
		name     string
		messages []string
		versions []int64
	}{
		{"three names at one address above 800", []string{
			at("A1", "Ann Example", "300.00"), at("A2", "Bob Other", "300.00"), at("A3", "Cat Third", "300.00"), at("A4", "Ann Example", "1.00"),
		}, []int64{1, 2}},
		{"two names are not enough", []string{
			at("A1", "Ann Example", "500.00"), at("A2", "Bob Other", "500.00"),
		}, nil},
		{"three names within 800 together", []string{
			at("A1", "Ann Example", "200.00"), at("A2", "Bob Other", "300.00"), at("A3", "Cat Third", "300.00"),
		}, nil},
		{"one name written three ways is one name", []string{
			at("A1", "Ann Example", "300.00"), at("A2", "EXAMPLE, ANN", "300.00"), at("A3", "Ms. Ann Example", "300.00"),
		}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, options{})
			alerts := alertVersions(t, f.run(t, tc.messages...), "address_cluster", tc.versions)
			if len(alerts) > 0 {
				last := alerts[len(alerts)-1].Alert
				if strings.Join(last.ParcelIDs, ",") != "A1,A2,A3,A4" || last.DayTotal != "901.00" {
					t.Errorf("last version: parcels %v total %s", last.ParcelIDs, last.DayTotal)
				}
			}
		})
	}
}

// TestPhoneAndEmailLinkRecipients: parcels whose name or address differ
// count toward one recipient's day when they share a phone or an email.
func TestPhoneAndEmailLinkRecipients(t *testing.T) {
	day := "2024-05-01T14:00:00Z"
	f := newFixture(t, options{})
	got := f.run(t,
		manifestFor("L1", "DHL", day, "300.00", recipient("Ann Example", "1 Sample Way", "12345", `,"phone":"+1 (555) 010-2030"`), ""),
		manifestFor("L2", "UPS", day, "300.00", recipient("A. Exampel", "PO Box 9", "12399", `,"phone":"555.010.2030","email":"Ann.Example+shop@gmail.com"`), ""),
		manifestFor("L3", "USPS", day, "300.00", recipient("Anne X", "2 Other Rd", "12377", `,"email":"annexample@googlemail.com"`), ""),
		manifestFor("L4", "USPS", day, "300.00", recipient("Dan Else", "5 Else St", "12388", `,"phone":"555-999-0000"`), ""),
	)
	var decisions []out
	for _, o := range got {
		if o.Topic != "alerts.split-shipment" {
			decisions = append(decisions, o)
		}
	}
	if decisions[0].RecipientKey != decisions[1].RecipientKey || decisions[1].RecipientKey != decisions[2].RecipientKey {
		t.Errorf("L1-L3 not linked: %s %s %s", decisions[0].RecipientKey[:8], decisions[1].RecipientKey[:8], decisions[2].RecipientKey[:8])
	}
	if decisions[3].RecipientKey == decisions[0].RecipientKey {
		t.Error("L4 linked without a shared phone or email")
	}
	if decisions[2].RecipientDayTotal != "900.00" || decisions[2].Reasons[0] != "DAILY_TOTAL_OVER_THRESHOLD" {
		t.Errorf("L3: total %s reasons %v, want 900.00 and the daily total", decisions[2].RecipientDayTotal, decisions[2].Reasons)
	}
	if n := len(alertsOf(got, "split_shipment")); n != 1 {
		t.Errorf("%d split_shipment alerts, want 1", n)
	}
}
