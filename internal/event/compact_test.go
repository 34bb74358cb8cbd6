package event

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// randomCompactText is a string of each kind the codec has: text as the
// JSON tests write it, lower-case hex of even and odd lengths, upper-case
// hex (text), and words.
func randomCompactText(rng *rand.Rand) string {
	switch rng.IntN(5) {
	case 0:
		b := make([]byte, rng.IntN(40))
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return hex.EncodeToString(b)
	case 1:
		return hex.EncodeToString([]byte{byte(rng.Uint32())})[:1]
	case 2:
		return strings.ToUpper(hex.EncodeToString([]byte{0xab, byte(rng.Uint32())}))
	case 3:
		return compactWords[rng.IntN(len(compactWords))]
	}
	return randomText(rng)
}

// randomCompactDecision is randomDecision with the strings of
// randomCompactText, and an event id that is the parcel id or not.
func randomCompactDecision(rng *rand.Rand) *Decision {
	d := randomDecision(rng)
	fillStrings(reflect.ValueOf(d).Elem(), func() string { return randomCompactText(rng) })
	if rng.IntN(2) == 0 {
		d.EventID = d.ParcelID
	}
	return d
}

// fillStrings sets every string reachable from v (fields, pointers,
// slices, map values and keys) to next().
func fillStrings(v reflect.Value, next func() string) {
	switch v.Kind() {
	case reflect.String:
		v.SetString(next())
	case reflect.Pointer:
		if !v.IsNil() {
			fillStrings(v.Elem(), next)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			fillStrings(v.Field(i), next)
		}
	case reflect.Slice:
		for i := range v.Len() {
			fillStrings(v.Index(i), next)
		}
	case reflect.Map:
		if v.IsNil() {
			return
		}
		m := reflect.MakeMap(v.Type())
		for range v.Len() {
			m.SetMapIndex(reflect.ValueOf(next()), reflect.ValueOf(next()))
		}
		v.Set(m)
	}
}

func TestCompactDecisionReadsBackWhatWasWritten(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 20000 {
		d := randomCompactDecision(rng)
		b := d.AppendCompact([]byte("prefix"))
		if !bytes.HasPrefix(b, []byte("prefix")) {
			t.Fatalf("prefix overwritten: %q", b)
		}
		var got Decision
		rest, err := got.ParseCompact(append(b[len("prefix"):], "rest"...))
		if err != nil {
			t.Fatalf("%+v: %v", d, err)
		}
		if string(rest) != "rest" {
			t.Fatalf("rest %q, want %q", rest, "rest")
		}
		if !reflect.DeepEqual(&got, d) {
			t.Fatalf("read back\n%+v\nwant\n%+v", got, *d)
		}
		if want, gotJSON := d.AppendJSON(nil), got.AppendJSON(nil); !bytes.Equal(gotJSON, want) {
			t.Fatalf("JSON of the decision read back:\n%s\nwant\n%s", gotJSON, want)
		}
	}
}

// TestCompactDecisionKeepsEveryField sets every field of a decision,
// found by reflection, so a field added to Decision and not to the compact
// form fails here.
func TestCompactDecisionKeepsEveryField(t *testing.T) {
	var d Decision
	n := 0
	var fill func(v reflect.Value)
	fill = func(v reflect.Value) {
		n++
		switch v.Kind() {
		case reflect.String:
			v.SetString("v" + strings.Repeat("x", n))
		case reflect.Int, reflect.Int64:
			v.SetInt(int64(n))
		case reflect.Pointer:
			v.Set(reflect.New(v.Type().Elem()))
			fill(v.Elem())
		case reflect.Struct:
			for i := range v.NumField() {
				fill(v.Field(i))
			}
		case reflect.Slice:
			v.Set(reflect.MakeSlice(v.Type(), 2, 2))
			fill(v.Index(0))
			fill(v.Index(1))
		case reflect.Map:
			v.Set(reflect.MakeMap(v.Type()))
			v.SetMapIndex(reflect.ValueOf("k"), reflect.ValueOf("v"))
		default:
			t.Fatalf("a field of kind %s: give the compact form and this test a way to write it", v.Kind())
		}
	}
	fill(reflect.ValueOf(&d).Elem())
	var got Decision
	if _, err := got.ParseCompact(d.AppendCompact(nil)); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, d) {
		t.Fatalf("read back\n%+v\nwant\n%+v", got, d)
	}
}

func TestCompactDecisionRefusesWhatItCannotRead(t *testing.T) {
	d := randomCompactDecision(rand.New(rand.NewPCG(5, 6)))
	b := d.AppendCompact(nil)
	for n := range len(b) {
		var got Decision
		if _, err := got.ParseCompact(b[:n]); err == nil {
			t.Fatalf("the first %d of %d bytes read as a decision", n, len(b))
		}
	}
	other := append([]byte{compactVersion + 1}, b[1:]...)
	var got Decision
	if _, err := got.ParseCompact(other); err == nil || !strings.Contains(err.Error(), "version") {
		t.Fatalf("another version: error %v, want one naming the version", err)
	}
	// A word past the end of the list.
	bad := binary.AppendUvarint(nil, uint64(len(compactWords))<<2|kindWord)
	if _, _, err := ParseCompactString(bad); err == nil {
		t.Fatal("an unknown word read as a string")
	}
}

// FuzzParseCompact reads any bytes without panicking, and what it reads
// writes back to a form that reads the same.
func FuzzParseCompact(f *testing.F) {
	rng := rand.New(rand.NewPCG(7, 8))
	for range 8 {
		f.Add(randomCompactDecision(rng).AppendCompact(nil))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var d Decision
		if _, err := d.ParseCompact(b); err != nil {
			return
		}
		var again Decision
		if _, err := again.ParseCompact(d.AppendCompact(nil)); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(again, d) {
			t.Fatalf("read back\n%+v\nwant\n%+v", again, d)
		}
	})
}

// BenchmarkDecisionCompact writes and reads the decision of
// BenchmarkDecisionJSON, and reports the sizes of both forms.
func BenchmarkDecisionCompact(b *testing.B) {
	d := benchDecision()
	b.Run("append", func(b *testing.B) {
		b.ReportAllocs()
		var buf []byte
		for b.Loop() {
			buf = d.AppendCompact(buf[:0])
		}
		b.ReportMetric(float64(len(buf)), "bytes")
	})
	b.Run("parse", func(b *testing.B) {
		b.ReportAllocs()
		buf := d.AppendCompact(nil)
		for b.Loop() {
			var got Decision
			if _, err := got.ParseCompact(buf); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestAppendLowerHexDecode: lower-case hex of an even length is decoded
// after what dst holds; anything else leaves dst as it was.
func TestAppendLowerHexDecode(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string // hex of the bytes; "-" when refused
	}{
		{"", ""},
		{"00ff", "00ff"},
		{"0123456789abcdef", "0123456789abcdef"},
		{"ABCD", "-"},
		{"abc", "-"},
		{"ab cd", "-"},
		{"abcg", "-"},
		{"PCL-0001", "-"},
		{"ab\xffd", "-"},
	} {
		out, ok := AppendLowerHexDecode([]byte("x"), tc.in)
		if tc.want == "-" {
			if ok || string(out) != "x" {
				t.Errorf("%q: %q %v, want it refused and dst as it was", tc.in, out, ok)
			}
			continue
		}
		if !ok || string(out[:1]) != "x" || hex.EncodeToString(out[1:]) != tc.want {
			t.Errorf("%q: %q %v, want x and the bytes of %s", tc.in, out, ok, tc.want)
		}
	}
}
