package manifest

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/s321/s321/internal/money"

	"github.com/shopspring/decimal"
)

func FuzzDecode(f *testing.F) {
	for _, name := range []string{"full.json", "typical.json"} {
		f.Add(readFile(f, name))
	}
	for _, line := range strings.Split(strings.TrimSpace(string(readFile(f, "examples.tsv"))), "\n") {
		_, value, _ := strings.Cut(line, "\t")
		f.Add([]byte(value))
	}
	var thousand bytes.Buffer
	thousand.WriteString(`{"parcel_id":"P","carrier":"C","arrival_time":"2025-03-01T15:04:05Z","recipient":{"name":"A","address_line1":"1","city":"C","state":"S","postal_code":"1"},"items":[`)
	for i := 0; i < 1000; i++ {
		if i > 0 {
			thousand.WriteByte(',')
		}
		thousand.WriteString(`{"description":"d","origin_country":"CN","value":"0.01"}`)
	}
	thousand.WriteString(`]}`)
	for _, seed := range []string{
		``,
		`{}`,
		`null`,
		`[]`,
		minimal,
		strings.Replace(minimal, "Ann", "A\xffn", 1), // invalid UTF-8
		"\xff\xfe{}", // UTF-16 byte order mark
		`{"x":` + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + `}`,           // deep nesting
		`{"x":` + strings.Repeat(`{"y":`, 2000) + `1` + strings.Repeat("}", 2000) + `}`, // deep objects
		strings.Replace(minimal, `"10.00"`, `1e400`, 1),
		strings.Replace(minimal, `"10.00"`, `-0.0`, 1),
		strings.Replace(minimal, `"10.00"`, `1000000000.00`, 1),
		strings.Replace(minimal, `{`, `{"parcel_id":"P-0",`, 1),                  // duplicate key
		strings.Replace(minimal, `{`, `{"parcel\u005fid":"P-0",`, 1),             // duplicate by escape
		strings.Replace(minimal, `"Ann Example"`, `"\ud83d\ude00\ud800\"\\"`, 1), // escapes
		strings.Replace(minimal, `"value"`, `"quantity":99999999999999999999,"value"`, 1),
		thousand.String(),
		strings.Replace(thousand.String(), `[{`, `[{"description":"d","origin_country":"CN","value":"0.01"},{`, 1), // 1001 items
	} {
		f.Add([]byte(seed))
	}

	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Decode(data)
		stdValid := json.Valid(data)
		if err != nil {
			if m != nil {
				t.Fatalf("Decode returned a manifest and %v", err)
			}
			var fieldErr *FieldError
			if !errors.As(err, &fieldErr) {
				t.Fatalf("error %v (%T) is not a *FieldError", err, err)
			}
			if fieldErr.Rule == "" {
				t.Fatalf("error without a rule: %+v", fieldErr)
			}
			syntax := strings.HasPrefix(fieldErr.Rule, "invalid JSON")
			if !stdValid && fieldErr.Field != messageField {
				t.Fatalf("encoding/json rejects the message, Decode blames a member: %v", err)
			}
			if stdValid && utf8.Valid(data) && syntax {
				t.Fatalf("encoding/json accepts the message, Decode calls it invalid: %v", err)
			}
			return
		}
		if !stdValid {
			t.Fatalf("Decode accepted a message encoding/json rejects")
		}
		checkInvariants(t, m)
		checkAgainstEncodingJSON(t, data, m)
	})
}

// checkInvariants checks what Decode promises about every Manifest it returns.
func checkInvariants(t *testing.T, m *Manifest) {
	t.Helper()
	if !isIdentifier(m.ParcelID) || !isIdentifier(m.EventID) {
		t.Fatalf("bad ids %q, %q", m.ParcelID, m.EventID)
	}
	if m.Type != TypeParcel && m.Type != TypeAmend && m.Type != TypeCancel {
		t.Fatalf("bad type %q", m.Type)
	}
	if strings.TrimSpace(m.Carrier) == "" || utf8.RuneCountInString(m.Carrier) > maxCarrierLen {
		t.Fatalf("bad carrier %q", m.Carrier)
	}
	if m.Mode == "" {
		t.Fatalf("empty mode")
	}
	if again, ok := parseRFC3339(m.ArrivalTime.Format(time.RFC3339Nano)); !ok || !again.Equal(m.ArrivalTime) {
		t.Fatalf("arrival time %v does not read back", m.ArrivalTime)
	}
	if m.PortOfEntry != "" && !isPortCode(m.PortOfEntry) {
		t.Fatalf("bad port %q", m.PortOfEntry)
	}
	r := m.Recipient
	for _, s := range []string{r.Name, r.AddressLine1, r.City, r.State, r.PostalCode, r.Country} {
		if strings.TrimSpace(s) == "" {
			t.Fatalf("recipient with an empty required member: %+v", r)
		}
	}
	if len(m.Items) < 1 || len(m.Items) > MaxItems {
		t.Fatalf("%d items", len(m.Items))
	}
	maxValue := decimal.NewFromInt(maxValueUnits)
	for i, item := range m.Items {
		switch {
		case strings.TrimSpace(item.Description) == "",
			item.HTSCode != "" && !isHTSCode(item.HTSCode),
			!isLetters(item.OriginCountry, 2) || strings.ToUpper(item.OriginCountry) != item.OriginCountry,
			item.Quantity < 1,
			item.Value.IsNegative() || item.Value.GreaterThan(maxValue) || item.Value.Exponent() < -maxPlaces,
			!isLetters(item.Currency, 3) || strings.ToUpper(item.Currency) != item.Currency:
			t.Fatalf("items[%d] breaks an invariant: %+v", i, item)
		}
		if got, err := decimal.NewFromString(money.Format(item.Value)); err != nil || !got.Equal(item.Value) {
			t.Fatalf("items[%d]: money.Format(%v) = %s does not read back", i, item.Value, money.Format(item.Value))
		}
	}
	if m.Value().IsNegative() {
		t.Fatalf("negative total %v", m.Value())
	}
}

// checkAgainstEncodingJSON checks that strings decode as encoding/json
// decodes them. A map matches keys exactly, as Decode does (a struct would
// fold case), and Decode refuses repeated known members, so encoding/json's
// last-one-wins reads the same value.
func checkAgainstEncodingJSON(t *testing.T, data []byte, m *Manifest) {
	t.Helper()
	var std map[string]any
	if err := json.Unmarshal(data, &std); err != nil {
		t.Fatalf("encoding/json: %v", err)
	}
	recipient := std["recipient"].(map[string]any)
	items := std["items"].([]any)
	got := []string{m.ParcelID, m.Carrier, m.Recipient.Name}
	want := []any{std["parcel_id"], std["carrier"], recipient["name"]}
	for i, item := range items {
		got = append(got, m.Items[i].Description)
		want = append(want, item.(map[string]any)["description"])
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("string %d: Decode read %q, encoding/json %q", i, got[i], want[i])
		}
	}
}
