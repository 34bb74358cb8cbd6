package identity

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"strings"
	"sync"
)

// MinSecretLen is the shortest secret NewKeyer accepts, in bytes.
const MinSecretLen = 16

// ErrSecretTooShort is returned by NewKeyer for a secret shorter than
// MinSecretLen. The caller should refuse to start: a short secret makes the
// keys guessable from a list of names and addresses.
var ErrSecretTooShort = errors.New("secret shorter than 16 bytes")

// Recipient is the part of a parcel's recipient that identity looks at.
// City and state are deliberately absent: the ZIP already places the
// address, and the same street address is written with different cities
// (a town, its post office, a neighbourhood). Phone and Email are not part
// of the identity either; they are here for NormalizePhone and
// NormalizeEmail users.
type Recipient struct {
	Name         string
	AddressLine1 string
	AddressLine2 string
	PostalCode   string
	Country      string // empty means DefaultCountry
	Phone        string
	Email        string
}

// Identity returns the canonical identity of r, the text Keyer.Key hashes:
// NormalizeName, NormalizeAddress, NormalizePostalCode and NormalizeCountry
// joined by "|" ("ANN EXAMPLE|1 SAMPLE WAY|12345|US"). No normalized field
// can contain "|", so the fields never run into each other. It holds
// personal data: never log it or publish it.
func Identity(r Recipient) string {
	var out [256]byte
	return string(appendIdentity(out[:0], r))
}

// appendIdentity appends Identity(r) to dst.
func appendIdentity(dst []byte, r Recipient) []byte {
	dst = appendName(dst, r.Name)
	dst = append(dst, '|')
	return appendAddressIdentity(dst, r)
}

// appendAddressIdentity appends the address part of the identity:
// address|zip|country. It has one "|" fewer than an identity, so an address
// key can never equal a recipient key.
func appendAddressIdentity(dst []byte, r Recipient) []byte {
	dst = appendAddress(dst, r.AddressLine1, r.AddressLine2)
	dst = append(dst, '|')
	dst = appendPostalCode(dst, r.PostalCode, r.Country)
	dst = append(dst, '|')
	return appendCountry(dst, r.Country)
}

// Keyer turns recipients into keys: HMAC-SHA256 of their identity under a
// secret, lower-case hex, 64 characters. The same secret must be used by
// every processor that counts the same recipients, and kept: a new secret
// gives every recipient a new key. A Keyer is safe for concurrent use.
type Keyer struct {
	states sync.Pool // of *keyState
}

// keyState is one goroutine's HMAC and buffers, reused through the pool so
// a key allocates only its result.
type keyState struct {
	mac hash.Hash
	in  []byte // the identity being hashed
	sum [sha256.Size]byte
	hex [2 * sha256.Size]byte
}

// maxKeptInput bounds the input buffer a pooled state keeps, so one huge
// recipient does not pin memory.
const maxKeptInput = 4096

// NewKeyer returns a Keyer for secret, which it copies. It returns
// ErrSecretTooShort when the secret is shorter than MinSecretLen.
func NewKeyer(secret []byte) (*Keyer, error) {
	if len(secret) < MinSecretLen {
		return nil, fmt.Errorf("new keyer: %w", ErrSecretTooShort)
	}
	key := append([]byte(nil), secret...)
	k := &Keyer{}
	k.states.New = func() any {
		return &keyState{mac: hmac.New(sha256.New, key), in: make([]byte, 0, 256)}
	}
	return k, nil
}

// Key returns the recipient key of r: the hex HMAC-SHA256 of Identity(r).
func (k *Keyer) Key(r Recipient) string {
	st := k.states.Get().(*keyState)
	st.in = appendIdentity(st.in[:0], r)
	return k.finish(st)
}

// AddressKey returns the key of r's address alone: the hex HMAC-SHA256 of
// the normalized address, ZIP and country joined by "|", whoever the
// addressee. Recipients at one address share it, so it groups parcels sent
// to one address under different names.
func (k *Keyer) AddressKey(r Recipient) string {
	st := k.states.Get().(*keyState)
	st.in = appendAddressIdentity(st.in[:0], r)
	return k.finish(st)
}

// LinkKind names what a link key is made of.
type LinkKind string

// The kinds of link key. Each is hashed with its kind as a prefix, so keys
// of different kinds never collide.
const (
	LinkPhone LinkKind = "phone"
	LinkEmail LinkKind = "email"
	LinkName  LinkKind = "name"
	LinkOrder LinkKind = "order"
)

// LinkKey returns the hex HMAC-SHA256 of kind and an already normalized
// value (NormalizePhone, NormalizeEmail, NormalizeName, or an order's
// seller and number): the value stays secret, equal values get equal keys.
// An empty value has no key: "".
func (k *Keyer) LinkKey(kind LinkKind, value string) string {
	if value == "" {
		return ""
	}
	st := k.states.Get().(*keyState)
	st.in = append(append(append(st.in[:0], kind...), 0), value...)
	return k.finish(st)
}

// OrderKey returns the key of an order: LinkKey(LinkOrder, ...) of its
// seller (or, when it names none, its marketplace), trimmed and upper-cased,
// and its order number, trimmed, so equal numbers of different sellers are
// different orders. An order with a blank number has no key: "".
func (k *Keyer) OrderKey(seller, marketplace, orderID string) string {
	orderID = strings.TrimSpace(orderID)
	if orderID == "" {
		return ""
	}
	seller = strings.ToUpper(strings.TrimSpace(seller))
	if seller == "" {
		seller = strings.ToUpper(strings.TrimSpace(marketplace))
	}
	return k.LinkKey(LinkOrder, seller+"\x00"+orderID)
}

// RecipientKeys are the keys a parcel's recipient is counted under.
type RecipientKeys struct {
	// Recipient is Key(r).
	Recipient string
	// Address is AddressKey(r).
	Address string
	// Name is LinkKey(LinkName, NormalizeName(r.Name)): "" when the name
	// normalizes to nothing.
	Name string
}

// Keys returns r's recipient key, address key and name link key at once,
// normalizing the name and the address once for the three.
func (k *Keyer) Keys(r Recipient) RecipientKeys {
	st := k.states.Get().(*keyState)
	// st.in is "name" NUL NAME "|" ADDRESS|ZIP|COUNTRY: the name link key's
	// input up to nameEnd, the identity after the link prefix, the address
	// identity after the name's "|".
	prefix := len(LinkName) + 1
	st.in = append(append(st.in[:0], LinkName...), 0)
	st.in = appendName(st.in, r.Name)
	nameEnd := len(st.in)
	st.in = append(st.in, '|')
	st.in = appendAddressIdentity(st.in, r)
	keys := RecipientKeys{
		Recipient: st.hash(st.in[prefix:]),
		Address:   st.hash(st.in[nameEnd+1:]),
	}
	if nameEnd > prefix {
		keys.Name = st.hash(st.in[:nameEnd])
	}
	k.put(st)
	return keys
}

// finish hashes st.in, returns st to the pool and returns the hex digest.
func (k *Keyer) finish(st *keyState) string {
	key := st.hash(st.in)
	k.put(st)
	return key
}

// hash returns the hex HMAC of in.
func (st *keyState) hash(in []byte) string {
	st.mac.Reset()
	st.mac.Write(in)
	hex.Encode(st.hex[:], st.mac.Sum(st.sum[:0]))
	return string(st.hex[:])
}

// put returns st to the pool.
func (k *Keyer) put(st *keyState) {
	if cap(st.in) > maxKeptInput {
		st.in = make([]byte, 0, 256)
	}
	k.states.Put(st)
}
