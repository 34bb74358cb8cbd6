// Package window keeps the per-recipient daily totals, and the totals
// behind the other alerts, exactly once per parcel event.
//
// It owns the counting rules (rules.go: what one parcel, amend or cancel
// does to its subject) and the two stores that keep subjects: Redis, the
// one shared authority of live processing (standalone or Cluster), and an
// in-process memory store for the embedded default and for replay. Both
// apply the same rules in Go; Redis only stores, and compares a subject's
// version before a write, so two processors counting one subject at the
// same moment never count twice nor lose a count. It does not decide
// anything about a parcel beyond what decide says (package decide), and
// its rules do not read the clock: entry dates come in as arguments. The
// clock is read only to know how lately a link's expiry in Redis was
// set (knownLinks).
//
// Key layout, one hash per subject (the subject key is a hash tag, so all
// of a subject is in one Redis Cluster slot):
//
//	<prefix>:{<recipient_key>}:<entry_date>      a recipient's day
//	<prefix>:order:{<order_key>}                 one order across days
//	<prefix>:addr:{<address_key>}:<entry_date>   one address's day
//
// with these fields, each an integer unless said otherwise:
//
//	v           the subject's version: drawn at random when the key is
//	            created, one more with every write
//	o           the subject's epoch, drawn when it first raised its alert
//	n           number of distinct parcels counted
//	total       sum of counted parcel values, in cents
//	scale       largest number of decimal places among those values
//	gift_total  sum of the values of parcels counted as gifts, in cents
//	alert_from  seq of the parcel that raised the subject's alert
//	nm          number of distinct members (names at an address)
//	d           an order's newest entry date counted, as yyyymmdd
//	p:<parcel>  the parcel's record (text, written and read only by Go):
//	            its first answer, then its current state
//	e:<event>   an amend's or cancel's first answer (text, likewise)
//	l:<seq>     "<parcel_id> <carrier>" of the seq-th parcel, for the
//	            first MaxAlertParcels parcels
//	m:<member>  1 for each distinct member, by the member's first 32
//	            characters (128 bits of a name key), so that the hash stays
//	            in Redis's compact listpack encoding
//
// A subject's key expires TTL after it was created, and again TTL after
// each write that counts a newer entry date than it had (an order across
// days); link keys TTL after their last use, records TTL after their last
// write.
package window

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/shopspring/decimal"

	"github.com/s321/s321/internal/decide"
	"github.com/s321/s321/internal/money"
)

// Config configures a Store.
type Config struct {
	// KeyPrefix starts every key, so several key spaces (live, shadow,
	// replay) can share one Redis. Default "s321".
	KeyPrefix string
	// TTL is how long a subject is kept: in Redis, after it was created
	// or last counted a newer entry date. Default 8 days, so that late
	// parcels, redeliveries and backfills still find it. The memory store
	// counts it in entry dates: it forgets a subject once the newest entry
	// date it has seen is TTL past the subject's newest.
	TTL time.Duration
}

// DefaultConfig returns the defaults documented on Config.
func DefaultConfig() Config {
	return Config{KeyPrefix: "s321", TTL: 8 * 24 * time.Hour}
}

// Validate reports a configuration the Store cannot work with.
func (c Config) Validate() error {
	if c.KeyPrefix == "" || strings.ContainsAny(c.KeyPrefix, "{} ") {
		return fmt.Errorf("key prefix %q: must be non-empty without braces or spaces", c.KeyPrefix)
	}
	if c.TTL < time.Second {
		return fmt.Errorf("state ttl %s: must be at least 1s", c.TTL)
	}
	return nil
}

// Kind is what an Op does to its subject.
type Kind string

// The kinds of Op, named as manifest.v1 types.
const (
	// KindParcel counts a parcel, once.
	KindParcel Kind = "parcel"
	// KindAmend replaces a counted parcel's value by ValueCents.
	KindAmend Kind = "amend"
	// KindCancel takes a counted parcel out of the totals.
	KindCancel Kind = "cancel"
)

// Status is how an op went.
type Status string

// The statuses of an op. Every status but StatusOK rejects the message: it
// changed nothing.
const (
	StatusOK Status = "ok"
	// StatusUnknown: no such parcel was counted for that subject.
	StatusUnknown Status = "unknown"
	// StatusCancelled: the parcel was cancelled already.
	StatusCancelled Status = "cancelled"
	// StatusSameEvent: the event id is the one of the decision it would
	// supersede; an amend or cancel needs an event id of its own.
	StatusSameEvent Status = "same_event"
	// StatusOtherCarrier: an amend or cancel from a carrier other than the
	// one that sent the parcel.
	StatusOtherCarrier Status = "other_carrier"
	// StatusOverflow: the op would take a total beyond what the store can
	// represent (2^63-1 cents).
	StatusOverflow Status = "overflow"
)

// Scope is what an Op's total is kept for.
type Scope uint8

// The scopes of a total.
const (
	// ScopeRecipientDay is one recipient's entry date: the de minimis day
	// total, and the split_shipment alert.
	ScopeRecipientDay Scope = iota
	// ScopeOrder is one order across recipients, carriers and days: the
	// split_order alert. EntryDate is not part of its key.
	ScopeOrder
	// ScopeAddressDay is one normalized address on one entry date, with the
	// distinct names parcels were sent to there: the address_cluster alert.
	ScopeAddressDay
)

// Op counts one parcel event toward a subject's total.
type Op struct {
	Kind    Kind // default KindParcel
	EventID string
	Scope   Scope
	// Subject is the key of what the total is for: the recipient key, the
	// order key or the address key (a hex hash; it becomes a hash tag).
	Subject   string
	EntryDate string // YYYY-MM-DD in the entry-day time zone
	ParcelID  string
	Carrier   string
	// ValueCents is the parcel's value in cents; Scale its number of
	// decimal places as written (0, 1 or 2), so totals print as the sum of
	// the written values would.
	ValueCents int64
	Scale      int32
	// Gift is true when the parcel counts as a bona fide gift: its value
	// also counts toward the subject's gift total.
	Gift bool
	// Regime is the regime the parcel is decided under, and Parcel what
	// decide needs of it. With a Regime the rules raise and extend the
	// subject's alert; with both they keep the parcel's outcome (the topic
	// a later cancel goes to) as decide.Decide or decide.DecideGift gives
	// it. A nil Regime raises no alert; a nil Parcel keeps the outcome
	// formal (subjects that only raise alerts).
	Regime *decide.Regime
	Parcel *decide.Parcel
	// Member and MinMembers: with MinMembers above 0, Member (a name key)
	// joins the subject's set of distinct members, and the alert is raised
	// once there are MinMembers of them and the total is above the
	// threshold, instead of by the split rule.
	Member     string
	MinMembers int
}

// eventID is the op's event id, the parcel id when it has none.
func (op *Op) eventID() string {
	if op.EventID == "" {
		return op.ParcelID
	}
	return op.EventID
}

// Outcome is a parcel's decision as the store keeps it: a byte, since
// every parcel record of a subject holds one.
type Outcome uint8

// The outcomes a store keeps; the zero Outcome is none.
const (
	OutcomeCleared Outcome = iota + 1
	OutcomeFormal
)

// String returns "cleared", "formal", or "" for none.
func (o Outcome) String() string {
	switch o {
	case OutcomeCleared:
		return "cleared"
	case OutcomeFormal:
		return "formal"
	}
	return ""
}

// Result is an op's answer: for a parcel, its place in its subject as
// first counted.
type Result struct {
	// Duplicate is true when the event had been applied before; every
	// other field then repeats the first answer.
	Duplicate bool
	// Seq is the parcel's 1-based position in the subject's evaluation
	// order, and so the number of parcels counted up to it; 0 for an amend
	// or cancel.
	Seq int64
	// AlertVersion is the version of the subject's alert this parcel
	// publishes, 0 when none.
	AlertVersion int64
	// AlertParcels and AlertCarriers list the subject's first parcels, up
	// to this one and at most MaxAlertParcels, and their carriers, when
	// AlertVersion > 0. They are shared: a caller must not change them.
	AlertParcels  []string
	AlertCarriers []string
	// Status is StatusOK unless the op could not be applied.
	Status Status
	// Superseded is, for an amend or cancel, the event id of the decision
	// it replaces, and SupersededOutcome that decision's outcome.
	Superseded        string
	SupersededOutcome Outcome

	// The totals in cents and the scale, as the rules give them; total
	// is the total as an amount once Total has made it (hasTotal): most
	// results of the subjects that only raise alerts never need it.
	totalCents, giftCents int64
	scale                 int32
	total                 decimal.Decimal
	hasTotal              bool
	// decided is the decision the rules took for the parcel (a recipient's
	// day, a new parcel or an amend), when hasDecided.
	decided    decide.Result
	hasDecided bool
}

// Decided returns the decision the rules took with this result's totals
// (decide.Decide or decide.DecideGift under the op's Regime), for an op
// of a recipient's day that counted a new parcel or an amend; ok is
// false otherwise (a duplicate: the caller decides with the totals).
func (r *Result) Decided() (result decide.Result, ok bool) {
	return r.decided, r.hasDecided
}

// Total returns the subject's total after this event.
func (r *Result) Total() decimal.Decimal {
	if !r.hasTotal {
		r.total, r.hasTotal = money.FromCents(r.totalCents, r.scale), true
	}
	return r.total
}

// GiftTotal returns the subject's total of gift parcels after this
// event.
func (r *Result) GiftTotal() decimal.Decimal {
	return money.FromCents(r.giftCents, money.MaxPlaces)
}

// Store counts parcel events: in Redis (New) or in memory (NewMemory).
// It is safe for concurrent use.
type Store struct {
	prefix string
	ttl    time.Duration
	// Exactly one of the two is set.
	rdb redis.UniversalClient
	mem *memory
	// entries caches the first parcels of subjects with an alert
	// (Redis only).
	entries *entryCache
	// known holds the subjects this process holds whole (Redis only).
	known *knownSubjects
	// conflicts counts subjects written again because another processor
	// had changed them since they were read (Redis only).
	conflicts atomic.Int64
	// links remembers the links this process read or recorded lately
	// (Redis only).
	links *knownLinks
	// now is the clock knownLinks' times are read from.
	now func() time.Time
	// createdByRestore and createdByScript count the subjects created
	// each way (Redis only).
	createdByRestore, createdByScript atomic.Int64
	// restoreRefused is set once Redis refused the RESTORE command itself
	// (restoreRefusedBy: a Redis before 7.0, an ACL without it): from
	// then on new subjects are written by the script (Redis only).
	restoreRefused atomic.Bool
}

// Conflicts returns how many times a subject was read and written again
// because another processor had changed it in between.
func (s *Store) Conflicts() int64 { return s.conflicts.Load() }

// Created returns how many subjects this store created in Redis by
// RESTORE, and how many by the compare-and-set script: a subject Redis
// keeps as a hash table rather than a listpack, or every new subject
// where Redis refuses RESTORE (see commit).
func (s *Store) Created() (byRestore, byScript int64) {
	return s.createdByRestore.Load(), s.createdByScript.Load()
}

// New returns a Store over rdb.
func New(rdb redis.UniversalClient, cfg Config) (*Store, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("window config: %w", err)
	}
	if rdb == nil {
		return nil, fmt.Errorf("window: a Redis client is required (NewMemory keeps state in memory)")
	}
	return &Store{rdb: rdb, prefix: cfg.KeyPrefix, ttl: cfg.TTL, entries: newEntryCache(entryCacheSize), known: newKnownSubjects(),
		links: newKnownLinks(cfg.TTL), now: time.Now}, nil
}

// NewMemory returns a Store that keeps everything in this process, for as
// long as it runs: the embedded default and replay.
func NewMemory(cfg Config) (*Store, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("window config: %w", err)
	}
	return &Store{mem: newMemory(cfg.TTL), prefix: cfg.KeyPrefix, ttl: cfg.TTL}, nil
}

// DayKey returns the hash key of a recipient's day.
func (s *Store) DayKey(recipientKey, entryDate string) string {
	return s.prefix + ":{" + recipientKey + "}:" + entryDate
}

// Key returns the hash key of an op's subject. Every key of one subject
// has the subject in a hash tag, so one script call touches one slot.
func (s *Store) Key(op *Op) string {
	switch op.Scope {
	case ScopeOrder:
		return s.prefix + ":order:{" + op.Subject + "}"
	case ScopeAddressDay:
		return s.prefix + ":addr:{" + op.Subject + "}:" + op.EntryDate
	default:
		return s.DayKey(op.Subject, op.EntryDate)
	}
}

// Load makes sure the scripts are cached in Redis, so the first batch
// does not pay for them. Apply works without it.
func (s *Store) Load(ctx context.Context) error {
	if s.mem != nil {
		return nil
	}
	if err := casScript.Load(ctx, s.rdb).Err(); err != nil {
		return err
	}
	return keepNewer.Load(ctx, s.rdb).Err()
}

// Apply applies ops in order: ops of one subject see each other. It is
// idempotent: applying the same ops again changes nothing and returns the
// same results, so a caller retries the whole slice after any error. It
// does not keep ops after it returns.
func (s *Store) Apply(ctx context.Context, ops []Op) ([]Result, error) {
	if len(ops) == 0 {
		return nil, nil
	}
	var results []Result
	var err error
	if s.mem != nil {
		results = s.mem.apply(ops)
	} else if results, err = s.applyRedis(ctx, ops); err != nil {
		return nil, fmt.Errorf("count parcels: %w", err)
	}
	return results, nil
}

// hashSlot is the Redis Cluster slot of a key whose hash tag is tag:
// CRC16 (XMODEM) of the tag, modulo 16384, a byte at a time.
func hashSlot(tag string) uint16 {
	var crc uint16
	for i := 0; i < len(tag); i++ {
		crc = crc<<8 ^ crc16Table[byte(crc>>8)^tag[i]]
	}
	return crc % 16384
}

// crc16Table is CRC16 (XMODEM, polynomial 0x1021) of each byte value.
var crc16Table = func() (table [256]uint16) {
	for i := range table {
		crc := uint16(i) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
		table[i] = crc
	}
	return table
}()
