package window

import (
	"crypto/sha256"
	"encoding/hex"
	"sync"
	"time"
)

// knownLinks remembers the links this process read or recorded in Redis
// lately: the recipient key each names, and when its expiry was last set.
// A link names one recipient for as long as it lives, and it lives at
// least the TTL after its expiry was last set; so a link whose expiry
// this process set less than renewAfter ago is answered from here, with
// no GETEX, and its expiry is renewed by the first use after that. A link
// thus lives from TTL - renewAfter to TTL after its last use, rather than
// exactly TTL.
//
// It holds two generations of up to knownLinksMax links each (the one
// filling and the one before it), a link and its recipient by the 32
// bytes their hex keys encode. Only a link whose recipient key is hex
// (as identity.Keyer makes every key) is remembered.
type knownLinks struct {
	renewAfter time.Duration
	mu         sync.Mutex
	// filling and before are the two generations; a link found in before
	// is not moved, so it is forgotten with before.
	filling, before map[linkID]knownLink
}

// knownLinksMax is how many links a generation holds: in the generated
// traffic half the uses of a link come within 20,000 parcels of its use
// before, nine in ten within 80,000.
const knownLinksMax = 1 << 15

// linkID is a link key as the 32 bytes its hex encodes (decodeHexKey),
// or, for a key that is not 64 lower-case hex characters (tests use
// names), its SHA-256.
type linkID [32]byte

// knownLink is a link's recipient key, as the 32 bytes its hex encodes,
// and when this process last set the link's expiry (Unix nanoseconds).
// It holds no pointer, so the garbage collector never scans the maps.
type knownLink struct {
	recipient [32]byte
	renewed   int64
}

func newKnownLinks(ttl time.Duration) *knownLinks {
	return &knownLinks{renewAfter: ttl / 8, filling: map[linkID]knownLink{}, before: map[linkID]knownLink{}}
}

func linkIDOf(link string) linkID {
	var id linkID
	if decodeHexKey((*[32]byte)(&id), link) {
		return id
	}
	return sha256.Sum256([]byte(link))
}

// get returns the recipient link names, when its expiry was set less
// than renewAfter before now.
func (k *knownLinks) get(id linkID, now time.Time) (string, bool) {
	k.mu.Lock()
	l, ok := k.filling[id]
	if !ok {
		l, ok = k.before[id]
	}
	k.mu.Unlock()
	if !ok || now.UnixNano()-l.renewed >= int64(k.renewAfter) {
		return "", false
	}
	var text [64]byte
	hex.Encode(text[:], l.recipient[:])
	return string(text[:]), true
}

// put remembers that link names recipient and that its expiry was set
// at renewed (or later); a recipient key that is not hex is not.
func (k *knownLinks) put(id linkID, recipient string, renewed time.Time) {
	l := knownLink{renewed: renewed.UnixNano()}
	if !decodeHexKey(&l.recipient, recipient) {
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if _, ok := k.filling[id]; !ok && len(k.filling) >= knownLinksMax {
		k.before, k.filling = k.filling, k.before
		clear(k.filling)
	}
	k.filling[id] = l
}
