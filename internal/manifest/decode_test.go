package manifest

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/s321/s321/internal/money"

	"github.com/shopspring/decimal"
)

// minimal is the smallest valid manifest: only required members.
const minimal = `{"parcel_id":"P-1","carrier":"UPS","arrival_time":"2025-03-01T15:04:05Z",` +
	`"recipient":{"name":"Ann Example","address_line1":"1 Sample Way","city":"Anytown","state":"NY","postal_code":"12345"},` +
	`"items":[{"description":"t-shirt","origin_country":"VN","value":"10.00"}]}`

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// edited returns minimal with edit applied to its decoded form. Values set
// as json.RawMessage are written exactly as given.
func edited(t *testing.T, edit func(m map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(minimal), &m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	data, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func recipientOf(m map[string]any) map[string]any { return m["recipient"].(map[string]any) }
func item0(m map[string]any) map[string]any       { return m["items"].([]any)[0].(map[string]any) }

// mustDecode decodes data and fails the test on any error.
func mustDecode(t *testing.T, data []byte) *Manifest {
	t.Helper()
	m, err := Decode(data)
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	return m
}

// wantFieldError checks that err is a *FieldError with the field and rule.
func wantFieldError(t *testing.T, err error, field, rule string) {
	t.Helper()
	var fieldErr *FieldError
	if !errors.As(err, &fieldErr) {
		t.Fatalf("error = %v (%T), want a *FieldError", err, err)
	}
	if fieldErr.Field != field || fieldErr.Rule != rule {
		t.Fatalf("error = %q, want %q", err.Error(), field+": "+rule)
	}
}

// view is a Manifest with money and time as strings, so that tests compare
// the scale of values and the offset of times, which == on decimal.Decimal
// and time.Time would not do.
type view struct {
	Manifest
	ArrivalTime string
	Items       []itemView
	Value       string
}

type itemView struct {
	Item
	Value string
}

func viewOf(m *Manifest) view {
	v := view{Manifest: *m, ArrivalTime: m.ArrivalTime.Format(time.RFC3339Nano), Value: money.Format(m.Value())}
	v.Manifest.ArrivalTime = time.Time{}
	v.Manifest.Items = nil
	for _, item := range m.Items {
		iv := itemView{Item: item, Value: money.Format(item.Value)}
		iv.Item.Value = decimal.Decimal{}
		v.Items = append(v.Items, iv)
	}
	return v
}

func TestDecodeFull(t *testing.T) {
	got := mustDecode(t, readFile(t, "full.json"))
	want := view{
		Manifest: Manifest{
			EventID:     "evt-2025.08.28_001",
			ParcelID:    "1Z999AA10123456784",
			Type:        TypeAmend,
			Carrier:     "Deutsche Post DHL Ünïcode",
			Mode:        "postal",
			PortOfEntry: "4701",
			Recipient: Recipient{
				Name: "Zoë Example", AddressLine1: "1 Sample Way", AddressLine2: "Apt 4",
				City: "Anytown", State: "NY", PostalCode: "12345-0001", Country: "PR",
				Phone: "+1 555 0100", Email: "zoe@example.com",
			},
			Shipper:     Shipper{Name: "Shop Ltd", Country: "GB"},
			Seller:      "Shop Ltd",
			Marketplace: "Example Market",
			OrderID:     "ORD-77",
			Gift:        true,
		},
		ArrivalTime: "2025-08-28T14:03:00.25-04:00",
		Items: []itemView{
			{Item: Item{Description: "cotton t-shirt", HTSCode: "6109.10.0012", OriginCountry: "VN", Quantity: 3, Currency: "EUR", Category: "hazmat"}, Value: "450.00"},
			{Item: Item{Description: "beer", OriginCountry: "MX", Quantity: 1, Currency: "USD", Category: "alcohol"}, Value: "12.5"},
		},
		Value: "462.50",
	}
	if gotView := viewOf(got); !reflect.DeepEqual(gotView, want) {
		t.Errorf("Decode(full.json) =\n%+v\nwant\n%+v", gotView, want)
	}
}

func TestDecodeDefaults(t *testing.T) {
	got := viewOf(mustDecode(t, []byte(minimal)))
	want := view{
		Manifest: Manifest{
			EventID: "P-1", ParcelID: "P-1", Type: TypeParcel, Carrier: "UPS", Mode: "air",
			Recipient: Recipient{Name: "Ann Example", AddressLine1: "1 Sample Way", City: "Anytown", State: "NY", PostalCode: "12345", Country: "US"},
		},
		ArrivalTime: "2025-03-01T15:04:05Z",
		Items:       []itemView{{Item: Item{Description: "t-shirt", OriginCountry: "VN", Quantity: 1, Currency: "USD"}, Value: "10.00"}},
		Value:       "10.00",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Decode(minimal) =\n%+v\nwant\n%+v", got, want)
	}
}

// TestDecodeNullIsAbsent checks that null optional members take their
// defaults and null required members are reported missing.
func TestDecodeNullIsAbsent(t *testing.T) {
	data := edited(t, func(m map[string]any) {
		for _, name := range []string{"event_id", "type", "mode", "port_of_entry", "shipper", "seller", "marketplace", "order_id", "gift", "export_date"} {
			m[name] = nil
		}
		for _, name := range []string{"address_line2", "country", "phone", "email"} {
			recipientOf(m)[name] = nil
		}
		for _, name := range []string{"hts_code", "quantity", "currency", "category"} {
			item0(m)[name] = nil
		}
	})
	got := viewOf(mustDecode(t, data))
	want := viewOf(mustDecode(t, []byte(minimal)))
	if !reflect.DeepEqual(got, want) {
		t.Errorf("with nulls =\n%+v\nwant\n%+v", got, want)
	}
	_, err := Decode(edited(t, func(m map[string]any) { m["parcel_id"] = nil }))
	wantFieldError(t, err, "parcel_id", "is required")
}

func TestDecodeExportDate(t *testing.T) {
	tests := []struct{ name, value string }{
		{"a day", "2025-08-27"},
		{"29 February of a leap year", "2024-02-29"},
		{"the first day of year 1", "0001-01-01"},
		{"31 December 9999", "9999-12-31"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := mustDecode(t, edited(t, func(m map[string]any) { m["export_date"] = tc.value }))
			if m.ExportDate != tc.value {
				t.Errorf("ExportDate = %q, want %q", m.ExportDate, tc.value)
			}
		})
	}
	if m := mustDecode(t, []byte(minimal)); m.ExportDate != "" {
		t.Errorf("ExportDate without the field = %q, want empty", m.ExportDate)
	}
}

func TestDecodeExamples(t *testing.T) {
	lines := strings.Split(strings.TrimSpace(string(readFile(t, "examples.tsv"))), "\n")
	if len(lines) != 7 {
		t.Fatalf("examples.tsv has %d lines, want 7", len(lines))
	}
	want := []struct{ parcelID, value, htsCode, origin string }{
		{"PUB-1", "450.00", "", "VN"},
		{"PUB-2", "400.00", "", "VN"},
		{"PUB-3", "800", "", "VN"},
		{"PUB-4", "20", "2203.00.0030", "VN"},
		{"PUB-5", "20", "", "CN"},
		{"PUB-6", "20", "", "VN"},
	}
	for i, line := range lines {
		key, value, ok := strings.Cut(line, "\t")
		if !ok || key != "ann" {
			t.Fatalf("line %d: want key ann and a tab", i+1)
		}
		if i == len(want) {
			t.Run("PUB-BAD", func(t *testing.T) {
				m, err := Decode([]byte(value))
				if m != nil {
					t.Errorf("Decode returned a manifest with the error")
				}
				// The first broken rule in contract order; items is wrong too.
				wantFieldError(t, err, "carrier", "is required")
			})
			continue
		}
		t.Run(want[i].parcelID, func(t *testing.T) {
			m := mustDecode(t, []byte(value))
			if m.ParcelID != want[i].parcelID || m.EventID != want[i].parcelID {
				t.Errorf("ids = %q, %q; want %q", m.ParcelID, m.EventID, want[i].parcelID)
			}
			if got := money.Format(m.Value()); got != want[i].value {
				t.Errorf("value = %s, want %s", got, want[i].value)
			}
			if len(m.Items) != 1 || m.Items[0].HTSCode != want[i].htsCode || m.Items[0].OriginCountry != want[i].origin {
				t.Errorf("items = %+v", m.Items)
			}
		})
	}
	// The items rule alone, once the other members are there.
	_, err := Decode(edited(t, func(m map[string]any) { m["items"] = "nope" }))
	wantFieldError(t, err, "items", "must be an array")
}

func TestDecodeRejects(t *testing.T) {
	raw := func(s string) json.RawMessage { return json.RawMessage(s) }
	cases := []struct {
		name        string
		edit        func(m map[string]any)
		field, rule string
	}{
		{"parcel_id missing", func(m map[string]any) { delete(m, "parcel_id") }, "parcel_id", "is required"},
		{"parcel_id empty", func(m map[string]any) { m["parcel_id"] = "" }, "parcel_id", ruleID},
		{"parcel_id space", func(m map[string]any) { m["parcel_id"] = "P 1" }, "parcel_id", ruleID},
		{"parcel_id slash", func(m map[string]any) { m["parcel_id"] = "P/1" }, "parcel_id", ruleID},
		{"parcel_id non-ASCII", func(m map[string]any) { m["parcel_id"] = "PÜ1" }, "parcel_id", ruleID},
		{"parcel_id 65", func(m map[string]any) { m["parcel_id"] = strings.Repeat("a", 65) }, "parcel_id", ruleID},
		{"parcel_id number", func(m map[string]any) { m["parcel_id"] = 5 }, "parcel_id", "must be a string"},
		{"event_id empty", func(m map[string]any) { m["event_id"] = "" }, "event_id", ruleID},
		{"event_id bad", func(m map[string]any) { m["event_id"] = "e#1" }, "event_id", ruleID},
		{"event_id array", func(m map[string]any) { m["event_id"] = []any{} }, "event_id", "must be a string"},
		{"type unknown", func(m map[string]any) { m["type"] = "update" }, "type", "must be one of parcel, amend, cancel"},
		{"type upper case", func(m map[string]any) { m["type"] = "PARCEL" }, "type", "must be one of parcel, amend, cancel"},
		{"type bool", func(m map[string]any) { m["type"] = true }, "type", "must be a string"},
		{"carrier missing", func(m map[string]any) { delete(m, "carrier") }, "carrier", "is required"},
		{"carrier empty", func(m map[string]any) { m["carrier"] = "" }, "carrier", "must not be empty"},
		{"carrier white space", func(m map[string]any) { m["carrier"] = " \t\u00a0" }, "carrier", "must not be empty"},
		{"carrier 33 runes", func(m map[string]any) { m["carrier"] = strings.Repeat("é", 33) }, "carrier", "must be at most 32 characters"},
		{"carrier object", func(m map[string]any) { m["carrier"] = map[string]any{} }, "carrier", "must be a string"},
		{"mode unknown", func(m map[string]any) { m["mode"] = "sea" }, "mode", "must be one of air, ocean, truck, rail, postal"},
		{"mode number", func(m map[string]any) { m["mode"] = 1 }, "mode", "must be a string"},
		{"port 3 digits", func(m map[string]any) { m["port_of_entry"] = "470" }, "port_of_entry", "must be 4 digits"},
		{"port 5 digits", func(m map[string]any) { m["port_of_entry"] = "47011" }, "port_of_entry", "must be 4 digits"},
		{"port letters", func(m map[string]any) { m["port_of_entry"] = "47A1" }, "port_of_entry", "must be 4 digits"},
		{"port number", func(m map[string]any) { m["port_of_entry"] = 4701 }, "port_of_entry", "must be a string"},
		{"export_date empty", func(m map[string]any) { m["export_date"] = "" }, "export_date", ruleDate},
		{"export_date a date-time", func(m map[string]any) { m["export_date"] = "2025-08-27T10:00:00Z" }, "export_date", ruleDate},
		{"export_date month 13", func(m map[string]any) { m["export_date"] = "2025-13-01" }, "export_date", ruleDate},
		{"export_date 30 February", func(m map[string]any) { m["export_date"] = "2024-02-30" }, "export_date", ruleDate},
		{"export_date 29 February 2025", func(m map[string]any) { m["export_date"] = "2025-02-29" }, "export_date", ruleDate},
		{"export_date day 0", func(m map[string]any) { m["export_date"] = "2025-08-00" }, "export_date", ruleDate},
		{"export_date year 0", func(m map[string]any) { m["export_date"] = "0000-01-01" }, "export_date", ruleDate},
		{"export_date slashes", func(m map[string]any) { m["export_date"] = "2025/08/27" }, "export_date", ruleDate},
		{"export_date short", func(m map[string]any) { m["export_date"] = "2025-8-27" }, "export_date", ruleDate},
		{"export_date number", func(m map[string]any) { m["export_date"] = 20250827 }, "export_date", "must be a string"},
		{"arrival missing", func(m map[string]any) { delete(m, "arrival_time") }, "arrival_time", "is required"},
		{"arrival no offset", func(m map[string]any) { m["arrival_time"] = "2025-03-01T15:04:05" }, "arrival_time", ruleArrival},
		{"arrival number", func(m map[string]any) { m["arrival_time"] = 1740841445 }, "arrival_time", "must be a string"},
		{"recipient missing", func(m map[string]any) { delete(m, "recipient") }, "recipient", "is required"},
		{"recipient string", func(m map[string]any) { m["recipient"] = "Ann" }, "recipient", "must be an object"},
		{"recipient array", func(m map[string]any) { m["recipient"] = []any{} }, "recipient", "must be an object"},
		{"recipient.name missing", func(m map[string]any) { delete(recipientOf(m), "name") }, "recipient.name", "is required"},
		{"recipient.name blank", func(m map[string]any) { recipientOf(m)["name"] = "  " }, "recipient.name", "must not be empty"},
		{"recipient.address_line1 missing", func(m map[string]any) { delete(recipientOf(m), "address_line1") }, "recipient.address_line1", "is required"},
		{"recipient.address_line2 number", func(m map[string]any) { recipientOf(m)["address_line2"] = 4 }, "recipient.address_line2", "must be a string"},
		{"recipient.city missing", func(m map[string]any) { delete(recipientOf(m), "city") }, "recipient.city", "is required"},
		{"recipient.state empty", func(m map[string]any) { recipientOf(m)["state"] = "" }, "recipient.state", "must not be empty"},
		{"recipient.postal_code missing", func(m map[string]any) { delete(recipientOf(m), "postal_code") }, "recipient.postal_code", "is required"},
		{"recipient.postal_code number", func(m map[string]any) { recipientOf(m)["postal_code"] = 12345 }, "recipient.postal_code", "must be a string"},
		{"recipient.country bool", func(m map[string]any) { recipientOf(m)["country"] = false }, "recipient.country", "must be a string"},
		{"recipient.phone number", func(m map[string]any) { recipientOf(m)["phone"] = 5550100 }, "recipient.phone", "must be a string"},
		{"recipient.email array", func(m map[string]any) { recipientOf(m)["email"] = []any{"a"} }, "recipient.email", "must be a string"},
		{"shipper string", func(m map[string]any) { m["shipper"] = "Shop" }, "shipper", "must be an object"},
		{"shipper.name number", func(m map[string]any) { m["shipper"] = map[string]any{"name": 1} }, "shipper.name", "must be a string"},
		{"shipper.country number", func(m map[string]any) { m["shipper"] = map[string]any{"country": 1} }, "shipper.country", "must be a string"},
		{"seller number", func(m map[string]any) { m["seller"] = 1 }, "seller", "must be a string"},
		{"marketplace bool", func(m map[string]any) { m["marketplace"] = true }, "marketplace", "must be a string"},
		{"order_id number", func(m map[string]any) { m["order_id"] = 77 }, "order_id", "must be a string"},
		{"gift string", func(m map[string]any) { m["gift"] = "true" }, "gift", "must be a boolean"},
		{"gift number", func(m map[string]any) { m["gift"] = 1 }, "gift", "must be a boolean"},
		{"items missing", func(m map[string]any) { delete(m, "items") }, "items", "is required"},
		{"items null", func(m map[string]any) { m["items"] = nil }, "items", "is required"},
		{"items object", func(m map[string]any) { m["items"] = map[string]any{} }, "items", "must be an array"},
		{"items empty", func(m map[string]any) { m["items"] = []any{} }, "items", "must have at least 1 item"},
		{"item string", func(m map[string]any) { m["items"] = []any{"t-shirt"} }, "items[0]", "must be an object"},
		{"item null", func(m map[string]any) { m["items"] = []any{item0(m), nil} }, "items[1]", "must be an object"},
		{"description missing", func(m map[string]any) { delete(item0(m), "description") }, "items[0].description", "is required"},
		{"description blank", func(m map[string]any) { item0(m)["description"] = "\n" }, "items[0].description", "must not be empty"},
		{"description number", func(m map[string]any) { item0(m)["description"] = 1 }, "items[0].description", "must be a string"},
		{"hts_code 3 digits", func(m map[string]any) { item0(m)["hts_code"] = "6.1.0" }, "items[0].hts_code", ruleHTS},
		{"hts_code 11 digits", func(m map[string]any) { item0(m)["hts_code"] = "6109.10.00123" }, "items[0].hts_code", ruleHTS},
		{"hts_code letter", func(m map[string]any) { item0(m)["hts_code"] = "6109.1O" }, "items[0].hts_code", ruleHTS},
		{"hts_code dash", func(m map[string]any) { item0(m)["hts_code"] = "6109-10" }, "items[0].hts_code", ruleHTS},
		{"hts_code empty", func(m map[string]any) { item0(m)["hts_code"] = "" }, "items[0].hts_code", ruleHTS},
		{"hts_code number", func(m map[string]any) { item0(m)["hts_code"] = 6109 }, "items[0].hts_code", "must be a string"},
		{"origin missing", func(m map[string]any) { delete(item0(m), "origin_country") }, "items[0].origin_country", "is required"},
		{"origin 3 letters", func(m map[string]any) { item0(m)["origin_country"] = "VNM" }, "items[0].origin_country", ruleCountry},
		{"origin digits", func(m map[string]any) { item0(m)["origin_country"] = "12" }, "items[0].origin_country", ruleCountry},
		{"origin non-ASCII", func(m map[string]any) { item0(m)["origin_country"] = "VÑ" }, "items[0].origin_country", ruleCountry},
		{"origin number", func(m map[string]any) { item0(m)["origin_country"] = 84 }, "items[0].origin_country", "must be a string"},
		{"quantity zero", func(m map[string]any) { item0(m)["quantity"] = 0 }, "items[0].quantity", "must be at least 1"},
		{"quantity negative", func(m map[string]any) { item0(m)["quantity"] = -3 }, "items[0].quantity", "must be at least 1"},
		{"quantity huge negative", func(m map[string]any) { item0(m)["quantity"] = raw("-99999999999999999999") }, "items[0].quantity", "must be at least 1"},
		{"quantity overflow", func(m map[string]any) { item0(m)["quantity"] = raw("99999999999999999999") }, "items[0].quantity", ruleQuantityMax},
		{"quantity fraction", func(m map[string]any) { item0(m)["quantity"] = raw("1.5") }, "items[0].quantity", "must be an integer"},
		{"quantity 1.0", func(m map[string]any) { item0(m)["quantity"] = raw("1.0") }, "items[0].quantity", "must be an integer"},
		{"quantity exponent", func(m map[string]any) { item0(m)["quantity"] = raw("1e2") }, "items[0].quantity", "must be an integer"},
		{"quantity string", func(m map[string]any) { item0(m)["quantity"] = "2" }, "items[0].quantity", "must be an integer"},
		{"value missing", func(m map[string]any) { delete(item0(m), "value") }, "items[0].value", "is required"},
		{"value null", func(m map[string]any) { item0(m)["value"] = nil }, "items[0].value", "is required"},
		{"value bool", func(m map[string]any) { item0(m)["value"] = true }, "items[0].value", "must be a string or a number"},
		{"value object", func(m map[string]any) { item0(m)["value"] = map[string]any{"amount": "1"} }, "items[0].value", "must be a string or a number"},
		{"value negative", func(m map[string]any) { item0(m)["value"] = "-1.00" }, "items[0].value", "must not be negative"},
		{"value 3 places", func(m map[string]any) { item0(m)["value"] = "1.005" }, "items[0].value", "must have at most 2 decimal places"},
		{"value over max", func(m map[string]any) { item0(m)["value"] = "1000000000.01" }, "items[0].value", "must be at most 1000000000"},
		{"currency 2 letters", func(m map[string]any) { item0(m)["currency"] = "US" }, "items[0].currency", ruleCurrency},
		{"currency symbol", func(m map[string]any) { item0(m)["currency"] = "US$" }, "items[0].currency", ruleCurrency},
		{"currency number", func(m map[string]any) { item0(m)["currency"] = 840 }, "items[0].currency", "must be a string"},
		{"category unknown", func(m map[string]any) { item0(m)["category"] = "weapons" }, "items[0].category", "must be one of alcohol, tobacco, firearms, hazmat"},
		{"category upper case", func(m map[string]any) { item0(m)["category"] = "Alcohol" }, "items[0].category", "must be one of alcohol, tobacco, firearms, hazmat"},
		{"category array", func(m map[string]any) { item0(m)["category"] = []any{"alcohol"} }, "items[0].category", "must be a string"},
		{"later item", func(m map[string]any) {
			m["items"] = []any{item0(m), item0(m), map[string]any{"description": "x", "origin_country": "CN", "value": "-5"}}
		}, "items[2].value", "must not be negative"},
		{"first broken item wins", func(m map[string]any) {
			m["items"] = []any{item0(m), map[string]any{"description": "x", "value": "1"}, map[string]any{"description": "x", "origin_country": "CN", "value": "-5"}}
		}, "items[1].origin_country", "is required"},
		{"contract order", func(m map[string]any) {
			delete(m, "arrival_time")
			recipientOf(m)["city"] = 1
			m["mode"] = "boat"
		}, "mode", "must be one of air, ocean, truck, rail, postal"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			data := edited(t, tc.edit)
			m, err := Decode(data)
			if m != nil {
				t.Errorf("Decode returned a manifest with the error")
			}
			wantFieldError(t, err, tc.field, tc.rule)
			if strings.Contains(err.Error(), "Ann") || strings.Contains(err.Error(), "Sample") {
				t.Errorf("error %q repeats personal data from the message", err)
			}
		})
	}
}

func TestDecodeItemCount(t *testing.T) {
	items := func(n int) []byte {
		var b bytes.Buffer
		b.WriteString(`{"parcel_id":"P-1","carrier":"UPS","arrival_time":"2025-03-01T15:04:05Z",` +
			`"recipient":{"name":"A","address_line1":"1","city":"C","state":"NY","postal_code":"1"},"items":[`)
		for i := 0; i < n; i++ {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(`{"description":"d","origin_country":"CN","value":"0.01"}`)
		}
		b.WriteString(`]}`)
		return b.Bytes()
	}
	m := mustDecode(t, items(1000))
	if len(m.Items) != 1000 {
		t.Errorf("len(Items) = %d, want 1000", len(m.Items))
	}
	if got := money.Format(m.Value()); got != "10.00" {
		t.Errorf("1000 items of 0.01 sum to %s, want 10.00", got)
	}
	_, err := Decode(items(1001))
	wantFieldError(t, err, "items", "must have at most 1000 items")
}

func TestDecodeValue(t *testing.T) {
	cases := []struct {
		name  string
		value string // the JSON text of the member, as written
		want  string // FormatMoney of the decoded value, or "" for an error
		rule  string
	}{
		{"string two places", `"450.00"`, "450.00", ""},
		{"string whole", `"800"`, "800", ""},
		{"string one place", `"12.5"`, "12.5", ""},
		{"string zero", `"0"`, "0", ""},
		{"string zero cents", `"0.00"`, "0.00", ""},
		{"string leading zeros", `"007.50"`, "7.50", ""},
		{"string max", `"1000000000"`, "1000000000", ""},
		{"string max with cents", `"1000000000.00"`, "1000000000.00", ""},
		{"number two places", `450.00`, "450.00", ""},
		{"number whole", `800`, "800", ""},
		{"number tenths", `0.10`, "0.10", ""},
		{"number max", `1000000000.00`, "1000000000.00", ""},
		{"number beyond float precision", `999999999.99`, "999999999.99", ""},
		{"number zero", `0`, "0", ""},
		{"number exponent", `1e2`, "", ruleExponent},
		{"number 1e400", `1e400`, "", ruleExponent},
		{"number negative exponent", `5E-1`, "", ruleExponent},
		{"string exponent", `"1e2"`, "", ruleExponent},
		{"number negative", `-1`, "", ruleNegative},
		{"number negative zero", `-0`, "", ruleNegative},
		{"string negative", `"-0.50"`, "", ruleNegative},
		{"number 3 places", `1.234`, "", rulePlaces},
		{"string 3 places trailing zero", `"1.500"`, "", rulePlaces},
		{"number over max", `1000000000.01`, "", ruleValueMax},
		{"string huge", `"123456789012345678901234567890"`, "", ruleValueMax},
		{"number huge", `123456789012345678901234567890`, "", ruleValueMax},
		{"string long zeros", `"0000000000000000000001.00"`, "1.00", ""},
		{"string empty", `""`, "", ruleValueSyntax},
		{"string space", `" 1"`, "", ruleValueSyntax},
		{"string plus", `"+1"`, "", ruleValueSyntax},
		{"string no integer part", `".5"`, "", ruleValueSyntax},
		{"string trailing point", `"5."`, "", ruleValueSyntax},
		{"string thousands", `"1,000"`, "", ruleValueSyntax},
		{"string currency sign", `"$5"`, "", ruleValueSyntax},
		{"string hex", `"0x10"`, "", ruleValueSyntax},
		{"string non-ASCII digits", `"١٢"`, "", ruleValueSyntax},
		{"string NaN", `"NaN"`, "", ruleValueSyntax},
		{"string minus only", `"-"`, "", ruleValueSyntax},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			data := edited(t, func(m map[string]any) { item0(m)["value"] = json.RawMessage(tc.value) })
			m, err := Decode(data)
			if tc.rule != "" {
				wantFieldError(t, err, "items[0].value", tc.rule)
				return
			}
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if got := money.Format(m.Items[0].Value); got != tc.want {
				t.Errorf("value %s decoded as %s, want %s", tc.value, got, tc.want)
			}
		})
	}
}

func TestManifestValue(t *testing.T) {
	cases := []struct {
		name   string
		values []string // JSON texts of the items' values
		want   string
	}{
		{"cents do not drift", []string{`"0.10"`, `"0.20"`}, "0.30"},
		{"numbers do not drift", []string{`0.10`, `0.20`}, "0.30"},
		{"keeps two places", []string{`"450.00"`, `"400.00"`}, "850.00"},
		{"whole", []string{`"800"`}, "800"},
		{"largest scale", []string{`"1.5"`, `"2.25"`}, "3.75"},
		{"pads to largest scale", []string{`"1.50"`, `"2"`}, "3.50"},
		{"string and number", []string{`"450.00"`, `400`}, "850.00"},
		{"over a float's precision", []string{`"999999999.99"`, `"999999999.99"`, `"0.03"`}, "2000000000.01"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			data := edited(t, func(m map[string]any) {
				var items []any
				for _, v := range tc.values {
					items = append(items, map[string]any{"description": "d", "origin_country": "CN", "value": json.RawMessage(v)})
				}
				m["items"] = items
			})
			if got := money.Format(mustDecode(t, data).Value()); got != tc.want {
				t.Errorf("Value() = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestFormatMoney(t *testing.T) {
	cases := []struct {
		in   decimal.Decimal
		want string
	}{
		{decimal.New(45000, -2), "450.00"},
		{decimal.New(800, 0), "800"},
		{decimal.New(8, 2), "800"},
		{decimal.New(0, -2), "0.00"},
		{decimal.Zero, "0"},
		{decimal.New(5, -1), "0.5"},
		{decimal.New(45000, -2).Add(decimal.New(40000, -2)), "850.00"},
		{decimal.New(150, -2).Add(decimal.New(2, 0)), "3.50"},
	}
	for _, tc := range cases {
		t.Run(tc.want, func(t *testing.T) {
			if got := money.Format(tc.in); got != tc.want {
				t.Errorf("money.Format(%v) = %s, want %s", tc.in, got, tc.want)
			}
		})
	}
}

func TestDecodeArrivalTime(t *testing.T) {
	cases := []struct {
		in     string
		want   string // the instant in UTC, or "" when rejected
		offset int    // seconds east of UTC as kept
	}{
		{"2025-08-28T14:03:00-04:00", "2025-08-28T18:03:00Z", -4 * 3600},
		{"2025-08-28T14:03:00Z", "2025-08-28T14:03:00Z", 0},
		{"2025-08-28T14:03:00+05:30", "2025-08-28T08:33:00Z", 5*3600 + 30*60},
		{"2025-08-28T14:03:00+00:00", "2025-08-28T14:03:00Z", 0},
		{"2025-08-28T14:03:00-00:00", "2025-08-28T14:03:00Z", 0},
		{"2025-08-28T14:03:00.123456789Z", "2025-08-28T14:03:00.123456789Z", 0},
		{"2025-08-28T14:03:00.5+01:00", "2025-08-28T13:03:00.5Z", 3600},
		{"2025-08-28T14:03:00.1234567891Z", "2025-08-28T14:03:00.123456789Z", 0},
		{"2024-02-29T00:00:00Z", "2024-02-29T00:00:00Z", 0},
		{"2000-02-29T23:59:59+23:59", "2000-02-29T00:00:59Z", 23*3600 + 59*60},
		{"2025-08-28T14:03:00", "", 0},
		{"2025-08-28 14:03:00Z", "", 0},
		{"2025-08-28t14:03:00Z", "", 0},
		{"2025-08-28T14:03:00z", "", 0},
		{"2025-08-28T14:03Z", "", 0},
		{"2025-08-28T4:03:00Z", "", 0},
		{"2025-8-28T14:03:00Z", "", 0},
		{"2025-08-28T14:03:00+0400", "", 0},
		{"2025-08-28T14:03:00+04", "", 0},
		{"2025-08-28T14:03:00.Z", "", 0},
		{"2025-08-28T14:03:00,5Z", "", 0},
		{"2025-08-28T24:00:00Z", "", 0},
		{"2025-08-28T23:60:00Z", "", 0},
		{"2025-08-28T23:59:60Z", "", 0},
		{"2025-02-29T00:00:00Z", "", 0},
		{"1900-02-29T00:00:00Z", "", 0},
		{"2025-04-31T00:00:00Z", "", 0},
		{"2025-13-01T00:00:00Z", "", 0},
		{"2025-00-01T00:00:00Z", "", 0},
		{"2025-01-00T00:00:00Z", "", 0},
		{"2025-08-28T14:03:00+24:00", "", 0},
		{"2025-08-28T14:03:00+04:60", "", 0},
		{"2025-08-28T14:03:00Z ", "", 0},
		{" 2025-08-28T14:03:00Z", "", 0},
		{"+2025-08-28T14:03:00Z", "", 0},
		{"2025-08-28", "", 0},
		{"1740841445", "", 0},
		{"", "", 0},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			m, err := Decode(edited(t, func(m map[string]any) { m["arrival_time"] = tc.in }))
			if tc.want == "" {
				wantFieldError(t, err, "arrival_time", ruleArrival)
				return
			}
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if got := m.ArrivalTime.UTC().Format(time.RFC3339Nano); got != tc.want {
				t.Errorf("instant = %s, want %s", got, tc.want)
			}
			if _, offset := m.ArrivalTime.Zone(); offset != tc.offset {
				t.Errorf("offset = %d, want %d", offset, tc.offset)
			}
		})
	}
}

// TestDecodeArrivalTimeIgnoresLocalZone: time.Parse would return the Local
// location for an offset that Local uses, so the result would depend on the
// machine; Decode's must not.
func TestDecodeArrivalTimeIgnoresLocalZone(t *testing.T) {
	saved := time.Local
	t.Cleanup(func() { time.Local = saved })
	time.Local = time.FixedZone("EDT", -4*3600)
	m := mustDecode(t, edited(t, func(m map[string]any) { m["arrival_time"] = "2025-08-28T14:03:00-04:00" }))
	if m.ArrivalTime.Location() == time.Local {
		t.Errorf("ArrivalTime is in time.Local")
	}
}

func TestDecodeMessage(t *testing.T) {
	// deep puts n nested arrays in an unknown member: with the top-level
	// object, n+1 levels.
	deep := func(n int) string {
		return strings.Replace(minimal, `{`, `{"x":`+strings.Repeat("[", n)+strings.Repeat("]", n)+`,`, 1)
	}
	cases := []struct {
		name string
		in   string
		rule string // "" when the message decodes
	}{
		{"empty", ``, "invalid JSON: unexpected end of input"},
		{"white space", " \n\t", "invalid JSON: unexpected end of input"},
		{"text", `not json`, "invalid JSON: unexpected character at byte 1"},
		{"text at the start", `xyz`, "invalid JSON: unexpected character at byte 0"},
		{"truncated", minimal[:40], "invalid JSON: unexpected end of input"},
		{"truncated in string", `{"parcel_id":"P`, "invalid JSON: unexpected end of input"},
		{"truncated literal", `{"gift":tru`, "invalid JSON: unexpected end of input"},
		{"bad literal", `{"gift":trux}`, "invalid JSON: unexpected character at byte 11"},
		{"trailing comma", `{"parcel_id":"P-1",}`, "invalid JSON: unexpected character at byte 19"},
		{"trailing comma in array", `{"items":[1,]}`, "invalid JSON: unexpected character at byte 12"},
		{"leading comma", `{,"a":1}`, "invalid JSON: unexpected character at byte 1"},
		{"missing colon", `{"a" 1}`, "invalid JSON: unexpected character at byte 5"},
		{"missing comma", `{"a":1 "b":2}`, "invalid JSON: unexpected character at byte 7"},
		{"single quotes", `{'a':1}`, "invalid JSON: unexpected character at byte 1"},
		{"unquoted key", `{a:1}`, "invalid JSON: unexpected character at byte 1"},
		{"mismatched bracket", `{"a":[1}`, "invalid JSON: unexpected character at byte 7"},
		{"leading zero", `{"a":01}`, "invalid JSON: unexpected character at byte 6"},
		{"bare point", `{"a":1.}`, "invalid JSON: unexpected character at byte 7"},
		{"plus sign", `{"a":+1}`, "invalid JSON: unexpected character at byte 5"},
		{"NaN", `{"a":NaN}`, "invalid JSON: unexpected character at byte 5"},
		{"control character", "{\"a\":\"x\ty\"}", "invalid JSON: control character in string at byte 7"},
		{"bad escape", `{"a":"\x"}`, "invalid JSON: invalid escape in string at byte 6"},
		{"short unicode escape", `{"a":"\u12"}`, "invalid JSON: invalid escape in string at byte 6"},
		{"trailing data", minimal + ` {}`, "invalid JSON: unexpected data after the top-level value at byte " + itoa(len(minimal)+1)},
		{"two objects", `{}{}`, "invalid JSON: unexpected data after the top-level value at byte 2"},
		{"byte order mark", "\ufeff" + minimal, "invalid JSON: unexpected character at byte 0"},
		{"array", `[` + minimal + `]`, "must be a JSON object"},
		{"null", `null`, "must be a JSON object"},
		{"string", `"{}"`, "must be a JSON object"},
		{"number", `1`, "must be a JSON object"},
		{"bad array", `[1,`, "invalid JSON: unexpected end of input"},
		{"invalid UTF-8", strings.Replace(minimal, "Ann", "A\xffn", 1), "must be valid UTF-8"},
		{"overlong UTF-8", strings.Replace(minimal, "Ann", "A\xc0\xafn", 1), "must be valid UTF-8"},
		{"UTF-16 surrogate in UTF-8", strings.Replace(minimal, "Ann", "A\xed\xa0\x80n", 1), "must be valid UTF-8"},
		{"nesting at the limit", deep(maxDepth - 1), ""},
		{"nesting over the limit", deep(maxDepth), "must not nest deeper than 1000 levels"},
		{"nesting far over the limit", deep(100000), "must not nest deeper than 1000 levels"},
		{"white space everywhere", " {\n\t\"parcel_id\" : \"P-1\" ,\r\n" + minimal[len(`{"parcel_id":"P-1",`):] + "\n", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode([]byte(tc.in))
			if tc.rule == "" {
				if err != nil {
					t.Fatalf("Decode: %v", err)
				}
				return
			}
			wantFieldError(t, err, "message", tc.rule)
		})
	}
}

func itoa(n int) string { return decimal.NewFromInt(int64(n)).String() }

func TestDecodeRepeatedMembers(t *testing.T) {
	cases := []struct {
		name        string
		in          string
		field, rule string
	}{
		{"parcel_id", strings.Replace(minimal, `{`, `{"parcel_id":"P-0",`, 1), "parcel_id", ruleRepeated},
		{"escaped key", strings.Replace(minimal, `{`, `{"parcel\u005fid":"P-0",`, 1), "parcel_id", ruleRepeated},
		{"null then value", strings.Replace(minimal, `{`, `{"event_id":null,"event_id":"E",`, 1), "event_id", ruleRepeated},
		{"recipient", strings.Replace(minimal, `"items"`, `"recipient":{},"items"`, 1), "recipient", ruleRepeated},
		{"recipient.name", strings.Replace(minimal, `"city"`, `"name":"Bob","city"`, 1), "recipient.name", ruleRepeated},
		{"items", strings.Replace(minimal, `"carrier"`, `"items":[],"carrier"`, 1), "items", ruleRepeated},
		{"items[0].value", strings.Replace(minimal, `"value":"10.00"`, `"value":"10.00","value":"1000.00"`, 1), "items[0].value", ruleRepeated},
		{"gift", strings.Replace(minimal, `{`, `{"gift":true,"gift":false,`, 1), "gift", ruleRepeated},
		{"shipper", strings.Replace(minimal, `{`, `{"shipper":{},"shipper":null,`, 1), "shipper", ruleRepeated},
		{"unknown member", strings.Replace(minimal, `{`, `{"note":1,"note":2,`, 1), "", ""},
		{"other case is another member", strings.Replace(minimal, `{`, `{"PARCEL_ID":"X","Parcel_Id":"Y",`, 1), "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Decode([]byte(tc.in))
			if tc.field == "" {
				if err != nil {
					t.Fatalf("Decode: %v", err)
				}
				if m.ParcelID != "P-1" {
					t.Errorf("ParcelID = %q, want P-1", m.ParcelID)
				}
				return
			}
			wantFieldError(t, err, tc.field, tc.rule)
		})
	}
}

func TestDecodeEscapes(t *testing.T) {
	cases := []struct {
		name, json, want string
	}{
		{"plain", `"Ann"`, "Ann"},
		{"latin", `"Zo\u00eb"`, "Zoë"},
		{"raw UTF-8", `"Zoë 東京"`, "Zoë 東京"},
		{"surrogate pair", `"A\ud83d\ude00"`, "A😀"},
		{"lone high surrogate", `"A\ud83dB"`, "A\ufffdB"},
		{"lone low surrogate", `"A\ude00B"`, "A\ufffdB"},
		{"high then non-surrogate escape", `"\ud83d\u0041"`, "\ufffdA"},
		{"two highs", `"\ud83d\ud83d\ude00"`, "\ufffd😀"},
		{"simple escapes", `"q\"b\\s\/\b\f\n\r\t"`, "q\"b\\s/\b\f\n\r\t"},
		{"upper-case hex", `"\u00C9"`, "É"},
		{"escape at the end", `"x\u0041"`, "xA"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			data := edited(t, func(m map[string]any) { recipientOf(m)["name"] = json.RawMessage(tc.json) })
			m := mustDecode(t, data)
			if m.Recipient.Name != tc.want {
				t.Errorf("name = %q, want %q", m.Recipient.Name, tc.want)
			}
			// encoding/json decodes the same escapes the same way.
			var std string
			if err := json.Unmarshal([]byte(tc.json), &std); err != nil || std != tc.want {
				t.Errorf("encoding/json: %q, %v", std, err)
			}
		})
	}
	key := strings.Replace(minimal, `"carrier"`, `"\u0063arrier"`, 1)
	if m := mustDecode(t, []byte(key)); m.Carrier != "UPS" {
		t.Errorf("escaped key: carrier = %q", m.Carrier)
	}
}

func TestDecodeIgnoresUnknownMembers(t *testing.T) {
	data := edited(t, func(m map[string]any) {
		junk := json.RawMessage(`{"a":[1,-2.5e+3,"s\n",true,false,null,{"b":{}}],"c":[]}`)
		m["future"] = junk
		recipientOf(m)["future"] = junk
		item0(m)["future"] = junk
		m["shipper"] = map[string]any{"future": junk}
	})
	got := viewOf(mustDecode(t, data))
	want := viewOf(mustDecode(t, []byte(minimal)))
	if !reflect.DeepEqual(got, want) {
		t.Errorf("with unknown members =\n%+v\nwant\n%+v", got, want)
	}
}

func TestDecodeDoesNotKeepInput(t *testing.T) {
	data := []byte(minimal)
	m := mustDecode(t, data)
	for i := range data {
		data[i] = 'x'
	}
	if m.ParcelID != "P-1" || m.Recipient.Name != "Ann Example" || m.Items[0].Description != "t-shirt" {
		t.Errorf("manifest changed with its input: %+v", m)
	}
}

func TestFieldError(t *testing.T) {
	var err error = &FieldError{Field: "items[0].value", Rule: "must not be negative"}
	if got := err.Error(); got != "items[0].value: must not be negative" {
		t.Errorf("Error() = %q", got)
	}
	wrapped := errors.Join(errors.New("other"), err)
	var fieldErr *FieldError
	if !errors.As(wrapped, &fieldErr) || fieldErr.Field != "items[0].value" {
		t.Errorf("errors.As did not find the FieldError")
	}
	if got := (&FieldError{Rule: "must be a JSON object"}).Error(); got != "must be a JSON object" {
		t.Errorf("Error() without field = %q", got)
	}
}

func BenchmarkDecode(b *testing.B) {
	data := readFile(b, "typical.json")
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecode1000Items(b *testing.B) {
	var buf bytes.Buffer
	buf.WriteString(`{"parcel_id":"P-1","carrier":"UPS","arrival_time":"2025-03-01T15:04:05Z",` +
		`"recipient":{"name":"A","address_line1":"1","city":"C","state":"NY","postal_code":"1"},"items":[`)
	for i := 0; i < 1000; i++ {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.WriteString(`{"description":"cotton t-shirt","hts_code":"6109.10.0012","origin_country":"VN","value":"4.50"}`)
	}
	buf.WriteString(`]}`)
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncodingJSON is a reference point, not a test of this package:
// encoding/json reading the same message into a plain struct, without any
// of Decode's checks.
func BenchmarkEncodingJSON(b *testing.B) {
	data := readFile(b, "typical.json")
	type item struct {
		Description   string          `json:"description"`
		HTSCode       string          `json:"hts_code"`
		OriginCountry string          `json:"origin_country"`
		Quantity      int             `json:"quantity"`
		Value         json.RawMessage `json:"value"`
		Currency      string          `json:"currency"`
		Category      string          `json:"category"`
	}
	type message struct {
		ParcelID, EventID, Type, Carrier, Mode string
		PortOfEntry                            string `json:"port_of_entry"`
		ArrivalTime                            string `json:"arrival_time"`
		Recipient                              map[string]string
		Shipper                                map[string]string
		Seller, Marketplace                    string
		OrderID                                string `json:"order_id"`
		Gift                                   bool
		Items                                  []item
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		var m message
		if err := json.Unmarshal(data, &m); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkValue(b *testing.B) {
	m, err := Decode(readFile(b, "typical.json"))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = money.Format(m.Value())
	}
}
