package identity

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"sync"
	"testing"
)

func TestNewKeyer(t *testing.T) {
	tests := []struct {
		name    string
		secret  []byte
		wantErr error
	}{
		{"nil", nil, ErrSecretTooShort},
		{"15 bytes", make([]byte, 15), ErrSecretTooShort},
		{"16 bytes", make([]byte, 16), nil},
		{"64 bytes", make([]byte, 64), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			k, err := NewKeyer(tc.secret)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("NewKeyer error = %v, want %v", err, tc.wantErr)
			}
			if (k == nil) != (tc.wantErr != nil) {
				t.Errorf("NewKeyer keyer = %v with error %v", k, err)
			}
		})
	}
}

// TestKeyIsHMACOfIdentity checks Key and AddressKey against crypto/hmac
// computed here, and their shape: 64 lower-case hex characters.
func TestKeyIsHMACOfIdentity(t *testing.T) {
	secret := []byte("another secret of enough length")
	k, err := NewKeyer(secret)
	if err != nil {
		t.Fatal(err)
	}
	mac := func(s string) string {
		h := hmac.New(sha256.New, secret)
		h.Write([]byte(s))
		return hex.EncodeToString(h.Sum(nil))
	}
	recipients := []Recipient{
		{Name: "Ann Example", AddressLine1: "1 Sample Way", PostalCode: "12345"},
		typical,
		{},
	}
	for _, r := range recipients {
		t.Run(Identity(r), func(t *testing.T) {
			key := k.Key(r)
			if want := mac(Identity(r)); key != want {
				t.Errorf("Key = %s, want %s", key, want)
			}
			address := NormalizeAddress(r.AddressLine1, r.AddressLine2) + "|" +
				NormalizePostalCode(r.PostalCode, r.Country) + "|" + NormalizeCountry(r.Country)
			if got, want := k.AddressKey(r), mac(address); got != want {
				t.Errorf("AddressKey = %s, want %s", got, want)
			}
			if len(key) != 64 {
				t.Errorf("Key has %d characters, want 64", len(key))
			}
			for _, c := range key {
				if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
					t.Fatalf("Key %q is not lower-case hex", key)
				}
			}
		})
	}
}

func TestKeyDependsOnSecret(t *testing.T) {
	r := Recipient{Name: "Ann Example", AddressLine1: "1 Sample Way", PostalCode: "12345"}
	secret := []byte("0123456789abcdef")
	first, err := NewKeyer(secret)
	if err != nil {
		t.Fatal(err)
	}
	key := first.Key(r)
	secret[0] = 'X' // NewKeyer copied the secret: this changes nothing
	if got := first.Key(r); got != key {
		t.Errorf("Key changed after the caller's secret changed")
	}
	second, err := NewKeyer(secret)
	if err != nil {
		t.Fatal(err)
	}
	if second.Key(r) == key {
		t.Errorf("two secrets gave the same key")
	}
}

func TestAddressKey(t *testing.T) {
	k := testKeyer(t)
	ann := Recipient{Name: "Ann Example", AddressLine1: "1 Sample Way", PostalCode: "12345"}
	bob := Recipient{Name: "Bob Other", AddressLine1: "1 SAMPLE WAY", PostalCode: "12345-0001"}
	if k.AddressKey(ann) != k.AddressKey(bob) {
		t.Errorf("recipients at one address have different address keys")
	}
	if k.AddressKey(ann) == k.Key(ann) {
		t.Errorf("address key equals recipient key")
	}
	elsewhere := ann
	elsewhere.AddressLine2 = "Apt 2"
	if k.AddressKey(ann) == k.AddressKey(elsewhere) {
		t.Errorf("different units share an address key")
	}
}

// TestKeyConcurrent runs Key from many goroutines at once (run with -race)
// and checks every result against a key computed alone.
func TestKeyConcurrent(t *testing.T) {
	k := testKeyer(t)
	recipients := []Recipient{
		typical,
		{Name: "Ann Example", AddressLine1: "1 Sample Way", PostalCode: "12345"},
		{Name: "Smith, John", AddressLine1: "PO Box 9", PostalCode: "sw1a 1aa", Country: "GB"},
	}
	want := make([]string, len(recipients))
	for i, r := range recipients {
		want[i] = k.Key(r)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for g := range 8 {
		wg.Go(func() {
			for n := range 500 {
				i := (g + n) % len(recipients)
				if got := k.Key(recipients[i]); got != want[i] {
					select {
					case errs <- got:
					default:
					}
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for got := range errs {
		t.Errorf("concurrent Key = %s, not the key computed alone", got)
	}
}

func TestLinkKey(t *testing.T) {
	k, err := NewKeyer([]byte("0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	phone := k.LinkKey(LinkPhone, NormalizePhone("+1 (555) 010-2030"))
	if phone != k.LinkKey(LinkPhone, NormalizePhone("555.010.2030")) {
		t.Error("one phone written two ways got two keys")
	}
	if phone == k.LinkKey(LinkEmail, NormalizePhone("555.010.2030")) {
		t.Error("a phone and an email of the same text share a key")
	}
	if k.LinkKey(LinkEmail, "") != "" {
		t.Error("an empty value got a key")
	}
	if len(phone) != 64 {
		t.Errorf("key %q is not 64 hex characters", phone)
	}
}

// TestKeysAreTheSingleKeys holds Keys to the three keys it computes at
// once, over both corpora and names that normalize to nothing.
func TestKeysAreTheSingleKeys(t *testing.T) {
	k := testKeyer(t)
	recipients := []Recipient{typical, {}, {Name: "  ", AddressLine1: "1 Main St"}, {Name: "Sir"}}
	for _, path := range []string{"testdata/match.tsv", "testdata/nomatch.tsv"} {
		for _, p := range readCorpus(t, path) {
			recipients = append(recipients, p.a, p.b)
		}
	}
	for _, r := range recipients {
		want := RecipientKeys{Recipient: k.Key(r), Address: k.AddressKey(r), Name: k.LinkKey(LinkName, NormalizeName(r.Name))}
		if got := k.Keys(r); got != want {
			t.Errorf("Keys(%+v) = %+v, want %+v", r, got, want)
		}
	}
}

func BenchmarkKeys(b *testing.B) {
	k := testKeyer(b)
	b.Run("one call", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sink = k.Keys(typical).Recipient
		}
	})
	b.Run("three calls", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sink = k.Key(typical)
			sink = k.AddressKey(typical)
			sink = k.LinkKey(LinkName, NormalizeName(typical.Name))
		}
	})
}

func TestOrderKeyIsTheSellerAndTheNumber(t *testing.T) {
	k, err := NewKeyer([]byte("a secret of enough length"))
	if err != nil {
		t.Fatal(err)
	}
	acme := k.LinkKey(LinkOrder, "ACME\x00O-1")
	tests := []struct {
		name, seller, marketplace, orderID, want string
	}{
		{"seller and number", "Acme", "", "O-1", acme},
		{"trimmed, seller upper-cased", " acme ", "", " O-1 ", acme},
		{"the seller before the marketplace", "Acme", "Bazaar", "O-1", acme},
		{"the marketplace without a seller", " ", "acme", "O-1", acme},
		{"neither: the number alone", "", "", "O-1", k.LinkKey(LinkOrder, "\x00O-1")},
		{"the number's case counts", "Acme", "", "o-1", k.LinkKey(LinkOrder, "ACME\x00o-1")},
		{"no number, no order", "Acme", "", "  ", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := k.OrderKey(tc.seller, tc.marketplace, tc.orderID); got != tc.want {
				t.Errorf("OrderKey(%q, %q, %q) = %s, want %s", tc.seller, tc.marketplace, tc.orderID, got, tc.want)
			}
		})
	}
}
