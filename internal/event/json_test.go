package event

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"
)

// randomText mixes what the encoders must escape (quotes, backslashes,
// control characters, <, > and &, U+2028 and U+2029, invalid UTF-8) with
// plain ASCII and multi-byte runes.
func randomText(rng *rand.Rand) string {
	pieces := []string{
		"a", "Z", "0", " ", "PKG-", "2025-09-01", "450.00", `"`, `\`, "/", "<", ">", "&",
		"\n", "\r", "\t", "\b", "\f", "\x00", "\x01", "\x1f", "\x7f", "é", "日本", "\u2028", "\u2029",
		"\U0001F4E6", "\xff", "\xc3", "\xe2\x80", "\ufffd",
	}
	n := rng.IntN(12)
	var b []byte
	for range n {
		b = append(b, pieces[rng.IntN(len(pieces))]...)
	}
	return string(b)
}

func randomStrings(rng *rand.Rand) []string {
	switch rng.IntN(4) {
	case 0:
		return nil
	case 1:
		return []string{}
	}
	out := make([]string, 1+rng.IntN(4))
	for i := range out {
		out[i] = randomText(rng)
	}
	return out
}

func randomPtr(rng *rand.Rand) *string {
	if rng.IntN(2) == 0 {
		return nil
	}
	s := randomText(rng)
	return &s
}

func randomSource(rng *rand.Rand) Source {
	return Source{Topic: randomText(rng), Partition: rng.IntN(100) - 1, Offset: rng.Int64() - rng.Int64()}
}

func randomDecision(rng *rand.Rand) *Decision {
	d := &Decision{
		Schema: SchemaDecision, DecisionID: randomText(rng), EventID: randomText(rng), ParcelID: randomText(rng),
		Carrier: randomText(rng), Mode: randomText(rng), ArrivalTime: randomText(rng), EntryDate: randomText(rng),
		Decision: randomText(rng), Reasons: randomStrings(rng), Regime: randomText(rng), Threshold: randomPtr(rng),
		ParcelValue: randomText(rng), RecipientKey: randomText(rng), RecipientDayTotal: randomText(rng),
		EntryType: randomText(rng), Source: randomSource(rng), DecidedAt: randomText(rng),
		Exemption: randomPtr(rng), RegimeVersion: randomText(rng), Supersedes: randomPtr(rng),
	}
	if rng.IntN(5) > 0 {
		d.DeclaredValues = map[string]string{}
		for range rng.IntN(4) {
			d.DeclaredValues[randomText(rng)] = randomText(rng)
		}
	}
	if rng.IntN(3) == 0 {
		d.Shadow = &Shadow{Regime: randomText(rng), Decision: randomText(rng), Reasons: randomStrings(rng),
			RecipientDayTotal: randomText(rng), RegimeVersion: randomText(rng)}
	}
	return d
}

func randomAlert(rng *rand.Rand) *Alert {
	return &Alert{
		Schema: SchemaAlert, AlertID: randomText(rng), Type: randomText(rng), RecipientKey: randomText(rng),
		EntryDate: randomText(rng), Regime: randomText(rng), Threshold: randomPtr(rng), DayTotal: randomText(rng),
		ParcelIDs: randomStrings(rng), Carriers: randomStrings(rng), TriggerParcelID: randomText(rng),
		Version: rng.Int64() - rng.Int64(), RaisedAt: randomText(rng), Reason: randomText(rng), SubjectKey: randomText(rng),
	}
}

func randomRejected(rng *rand.Rand) *Rejected {
	raw := []byte(randomText(rng))
	maxRaw := 0
	if rng.IntN(3) == 0 {
		maxRaw = 1 + rng.IntN(8)
	}
	r := NewRejected(randomText(rng), randomSource(rng), raw, maxRaw, time.Unix(rng.Int64N(1e10), rng.Int64N(1e9)))
	return &r
}

// TestAppendJSONMatchesMarshal holds the hand-written encoders to
// encoding/json's output, byte for byte, over many generated messages.
func TestAppendJSONMatchesMarshal(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	check := func(kind string, v any, appendJSON func([]byte) []byte) {
		t.Helper()
		want, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		prefix := []byte("prefix")
		got := appendJSON(prefix)
		if !bytes.HasPrefix(got, []byte("prefix")) || !bytes.Equal(got[len(prefix):], want) {
			t.Fatalf("%s:\n got %s\nwant %s", kind, got[len(prefix):], want)
		}
	}
	for range 20000 {
		d := randomDecision(rng)
		check("decision", d, d.AppendJSON)
		a := randomAlert(rng)
		check("alert", a, a.AppendJSON)
		r := randomRejected(rng)
		check("rejected", r, r.AppendJSON)
	}
}

// FuzzAppendString compares the string escape with encoding/json's on any
// input, valid UTF-8 or not.
func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "plain", `"\<>&`, "\x00\x1f\x7f", "\u2028\u2029", "\xff\xfe", "日本\xe2\x80"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendString(nil, s); !bytes.Equal(got, want) {
			t.Fatalf("appendString(%q) = %s, want %s", s, got, want)
		}
	})
}

func BenchmarkDecisionJSON(b *testing.B) {
	d := benchDecision()
	b.Run("marshal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := json.Marshal(d); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("append", func(b *testing.B) {
		b.ReportAllocs()
		var buf []byte
		for b.Loop() {
			buf = d.AppendJSON(buf[:0])
		}
		b.ReportMetric(float64(len(buf)), "bytes")
	})
}

// benchDecision is a decision as the generated traffic of the process
// benchmarks makes them: a parcel event, one currency.
func benchDecision() *Decision {
	threshold := "800"
	return &Decision{
		Schema: SchemaDecision, DecisionID: DecisionID("LXVFKZ0000010834US", "LXVFKZ0000010834US"),
		EventID: "LXVFKZ0000010834US", ParcelID: "LXVFKZ0000010834US",
		Carrier: "USPS", Mode: "postal", ArrivalTime: "2025-08-25T05:10:34Z", EntryDate: "2025-08-25",
		Decision: "formal_entry_required", Reasons: []string{"ORIGIN_EXCLUDED"}, Regime: "us-321-800-cn-hk-excluded",
		Threshold: &threshold, ParcelValue: "9.58",
		RecipientKey:      "6a69fa5a9a899228d04195b877e95fa34bf818596026fc43d56e4c962e4e5836",
		RecipientDayTotal: "9.58", EntryType: "mail", Source: Source{Topic: "manifests", Partition: 0, Offset: 10856},
		DecidedAt: "2025-09-01T12:00:00.000Z", RegimeVersion: "07bc6ec142a8bede", DeclaredValues: map[string]string{"USD": "9.58"},
	}
}

// TestShortHashKeepsItsValue pins the ids: consumers drop redeliveries by
// them, so a change of how they are computed would break that.
func TestShortHashKeepsItsValue(t *testing.T) {
	long := string(bytes.Repeat([]byte("x"), 300))
	for _, tc := range []struct{ got, want string }{
		{DecisionID("evt-1", "PKG-1"), "ee22ad32393644c769801f4867e69471"},
		{AlertID(AlertSplitShipment, "key", "2025-09-01"), "7afc9ffdcd25956d6dc39125306f5dbd"},
		{DecisionID(long, long), "20df85b3346a2e021501f072ca181699"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %s, want %s", tc.got, tc.want)
		}
	}
}
