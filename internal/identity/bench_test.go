package identity

import "testing"

// typical is a recipient as carriers write them: mixed case, punctuation,
// a unit on line 2 and a ZIP+4.
var typical = Recipient{
	Name:         "Dr. José Q. Müller-Smith Jr.",
	AddressLine1: "1234 North Main Street",
	AddressLine2: "Apartment 4-B",
	PostalCode:   "12345-6789",
	Country:      "us",
}

var sink string

func BenchmarkNormalizeName(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		sink = NormalizeName(typical.Name)
	}
}

func BenchmarkNormalizeAddress(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		sink = NormalizeAddress(typical.AddressLine1, typical.AddressLine2)
	}
}

func BenchmarkNormalizePostalCode(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		sink = NormalizePostalCode(typical.PostalCode, typical.Country)
	}
}

func BenchmarkIdentity(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		sink = Identity(typical)
	}
}

func BenchmarkKey(b *testing.B) {
	k := testKeyer(b)
	b.ReportAllocs()
	for b.Loop() {
		sink = k.Key(typical)
	}
}

func BenchmarkKeyParallel(b *testing.B) {
	k := testKeyer(b)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		var local string
		for pb.Next() {
			local = k.Key(typical)
		}
		_ = local
	})
}

func BenchmarkAddressKey(b *testing.B) {
	k := testKeyer(b)
	b.ReportAllocs()
	for b.Loop() {
		sink = k.AddressKey(typical)
	}
}

// testKeyer returns a Keyer under a fixed test secret.
func testKeyer(tb testing.TB) *Keyer {
	tb.Helper()
	k, err := NewKeyer([]byte("test secret, 32 bytes long......"))
	if err != nil {
		tb.Fatal(err)
	}
	return k
}
