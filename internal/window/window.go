// Package window keeps the per-recipient daily totals in Redis.
//
// It owns the Redis key layout and the Lua script that counts a parcel
// toward its recipient's total for one entry date, exactly once, and
// remembers the result so that a redelivered parcel gets its first answer
// back. It does not decide anything about a parcel (package decide does)
// and it does not read the clock: entry dates come in as arguments.
//
// Key layout (version 2), one hash per recipient and entry date (the
// recipient key is a hash tag, so it has one Redis Cluster slot):
//
//	<prefix>:{<recipient_key>}:<entry_date>          hash
//	    n           number of distinct parcels counted
//	    total       sum of counted parcel values, in cents (integer)
//	    scale       largest number of decimal places among those values
//	    alert_from  sequence number of the parcel that raised the split alert
//	    gift_total  sum of the values of parcels declared gifts, in cents
//	    p:<parcel>  the parcel's first answer (seq, totals, alert version),
//	                then its current value, gift flag, status, last event
//	                id and outcome
//	    l:<seq>     "<parcel_id> <carrier>" of the seq-th parcel counted
//	    e:<event>   the first answer to an amend or cancel event
//
// The same script keeps the totals behind the other alerts, under keys of
// their own subject (one hash slot each), with the same fields:
//
//	<prefix>:order:{<order_key>}                 one order across days
//	<prefix>:addr:{<address_key>}:<entry_date>   one address's day, also with
//	    nm          the number of distinct names
//	    m:<name>    1 for each distinct name key, by its first 32
//	                characters, so the hash stays in Redis's listpack
//	                encoding (fields and values of at most 64 bytes); a
//	                hash written before kept the whole key, and is read
//	                both ways
//
// A subject written by layout version 1 also had a ":parcels" list and a
// ":members" set, and kept a parcel's state in s:<parcel>; the script moves
// the list and the set into the hash the first time it touches the
// subject, and reads s: where p: has no state.
//
// All keys expire TTL after their last update.
package window

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/shopspring/decimal"

	"github.com/s321/s321/internal/money"
)

//go:embed count.lua
var countSource string

var countScript = redis.NewScript(countSource)

// NoAlert is the AlertThresholdCents of an Op whose regime has nothing to
// circumvent (no threshold, or a per-shipment basis): the parcel is
// counted, but it neither raises nor extends a split-shipment alert.
const NoAlert int64 = -1

// Config configures a Store.
type Config struct {
	// KeyPrefix starts every key, so several key spaces (live, shadow,
	// replay) can share one Redis. Default "s321".
	KeyPrefix string
	// TTL is how long a recipient's day is kept after its last update.
	// Default 8 days, so that late parcels and backfills still find it.
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

// Kind is what an Op does to the day.
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

// Status is how an amend or cancel went; parcels are always StatusOK.
type Status string

// The statuses of an amend or cancel.
const (
	StatusOK Status = "ok"
	// StatusUnknown: no such parcel was counted for that recipient and day.
	StatusUnknown Status = "unknown"
	// StatusCancelled: the parcel was cancelled already.
	StatusCancelled Status = "cancelled"
	// StatusSameEvent: the event id is the one of the decision it would
	// supersede; an amend or cancel needs an event id of its own.
	StatusSameEvent Status = "same_event"
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
	// AlertThresholdCents is the de minimis threshold in cents when the
	// regime counts per recipient and day, else NoAlert. The script raises
	// the split alert when value <= threshold < total, the same rule as
	// decide.DailyTotalApplies.
	AlertThresholdCents int64
	// Gift is true when the parcel is declared a bona fide gift: its value
	// also counts toward the day's gift total.
	Gift bool
	// ClearLimitCents and GiftLimitCents say, for the outcome the store
	// keeps with the parcel (the topic a later cancel goes to), when the
	// parcel is cleared: under de minimis when the day total is at most
	// ClearLimitCents, as a gift when the gift total is at most
	// GiftLimitCents; -1 (Never) where that cannot happen.
	ClearLimitCents int64
	GiftLimitCents  int64
	// Member and MinMembers: with MinMembers above 0, Member (a name key)
	// joins the subject's set of distinct members, and the alert is raised
	// once there are MinMembers of them and the total is above the
	// threshold, instead of by the split rule.
	Member     string
	MinMembers int
}

// Never is a limit no total is within.
const Never int64 = -1

// Outcome is a parcel's decision as the store keeps it.
type Outcome string

// The outcomes a store keeps.
const (
	OutcomeCleared Outcome = "cleared"
	OutcomeFormal  Outcome = "formal"
)

// Result is a parcel's place in its recipient's day, as first counted.
type Result struct {
	// Duplicate is true when the parcel had been counted before; every
	// other field then repeats the first answer.
	Duplicate bool
	// Seq is the parcel's 1-based position in the day's evaluation order.
	Seq int64
	// Total is the day total after this parcel was counted.
	Total decimal.Decimal
	// AlertVersion is the split-shipment alert version this parcel
	// publishes, 0 when none.
	AlertVersion int64
	// AlertParcels and AlertCarriers list the day's parcels up to and
	// including this one, and their carriers, when AlertVersion > 0.
	AlertParcels  []string
	AlertCarriers []string
	// GiftTotal is the day's total of gift parcels after this event.
	GiftTotal decimal.Decimal
	// Status is StatusOK unless an amend or cancel could not be applied.
	Status Status
	// Superseded is, for an amend or cancel, the event id of the decision
	// it replaces, and SupersededOutcome that decision's outcome.
	Superseded        string
	SupersededOutcome Outcome
}

// Store counts parcels in Redis.
type Store struct {
	rdb    redis.UniversalClient
	prefix string
	ttlMS  int64
}

// New returns a Store over rdb.
func New(rdb redis.UniversalClient, cfg Config) (*Store, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("window config: %w", err)
	}
	return &Store{rdb: rdb, prefix: cfg.KeyPrefix, ttlMS: cfg.TTL.Milliseconds()}, nil
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

// Load makes sure the script is cached in Redis, so the first batch does
// not pay for it. Apply works without it.
func (s *Store) Load(ctx context.Context) error {
	if err := countScript.Load(ctx, s.rdb).Err(); err != nil {
		return err
	}
	return keepNewer.Load(ctx, s.rdb).Err()
}

// Apply counts ops in order, in one pipelined round trip. It is
// idempotent: applying the same ops again changes nothing and returns the
// same results, so a caller retries the whole slice after any error.
//
// Ops travel in as few script calls as the deployment allows: up to
// opsPerCall ops a call on a single Redis; on a Redis Cluster a call
// carries only ops whose keys share one hash slot. Ops of one subject
// always share a slot and keep their order.
func (s *Store) Apply(ctx context.Context, ops []Op) ([]Result, error) {
	if len(ops) == 0 {
		return nil, nil
	}
	calls := s.plan(ops)
	cmds, err := s.run(ctx, ops, calls, true)
	if err != nil && isNoScript(err) {
		// The script cache was flushed (or Redis restarted): send the
		// script itself and retry once; counting is idempotent.
		cmds, err = s.run(ctx, ops, calls, false)
	}
	if err != nil {
		return nil, fmt.Errorf("count parcels: %w", err)
	}
	results := make([]Result, len(ops))
	for c, call := range calls {
		reply, ok := cmds[c].Val().([]any)
		if !ok {
			return nil, fmt.Errorf("count parcels: unexpected script reply %T", cmds[c].Val())
		}
		for _, i := range call {
			res, rest, err := parseResult(reply)
			if err != nil {
				return nil, fmt.Errorf("count parcel %d: %w", i, err)
			}
			results[i], reply = res, rest
		}
		if len(reply) != 0 {
			return nil, fmt.Errorf("count parcels: %d values left in the script reply", len(reply))
		}
	}
	return results, nil
}

// opsPerCall bounds the ops of one script call: enough to spread the cost
// of a call over many parcels, few enough that one call does not hold a
// single-threaded Redis for long (a call of 64 ops takes about a
// millisecond).
const opsPerCall = 64

// plan groups op indexes into script calls, keeping each subject's ops in
// order.
func (s *Store) plan(ops []Op) [][]int {
	var calls [][]int
	if _, cluster := s.rdb.(*redis.ClusterClient); !cluster {
		for start := 0; start < len(ops); start += opsPerCall {
			call := make([]int, 0, min(opsPerCall, len(ops)-start))
			for i := start; i < len(ops) && i < start+opsPerCall; i++ {
				call = append(call, i)
			}
			calls = append(calls, call)
		}
		return calls
	}
	bySlot := map[uint16][]int{}
	var slots []uint16
	for i := range ops {
		slot := hashSlot(ops[i].Subject)
		if _, ok := bySlot[slot]; !ok {
			slots = append(slots, slot)
		}
		bySlot[slot] = append(bySlot[slot], i)
	}
	for _, slot := range slots {
		indexes := bySlot[slot]
		for start := 0; start < len(indexes); start += opsPerCall {
			calls = append(calls, indexes[start:min(start+opsPerCall, len(indexes))])
		}
	}
	return calls
}

func (s *Store) run(ctx context.Context, ops []Op, calls [][]int, cached bool) ([]*redis.Cmd, error) {
	cmds := make([]*redis.Cmd, len(calls))
	ttl := strconv.FormatInt(s.ttlMS, 10)
	_, err := s.rdb.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		for c, call := range calls {
			keys := make([]string, 0, 3*len(call))
			args := make([]any, 1, 1+12*len(call))
			args[0] = ttl
			for _, i := range call {
				op := &ops[i]
				key := s.Key(op)
				keys = append(keys, key, key+":parcels", key+":members")
				kind, eventID, gift := op.Kind, op.EventID, "0"
				if kind == "" {
					kind = KindParcel
				}
				if eventID == "" {
					eventID = op.ParcelID
				}
				if op.Gift {
					gift = "1"
				}
				args = append(args, op.ParcelID, op.ValueCents, op.Scale, op.Carrier, op.AlertThresholdCents,
					string(kind), eventID, gift, op.ClearLimitCents, op.GiftLimitCents, op.Member, op.MinMembers)
			}
			cmds[c] = evalScript(ctx, pipe, countScript, cached, keys, args...)
		}
		return nil
	})
	return cmds, err
}

// evalScript queues a script call on pipe: by its hash when the script is
// cached in Redis, else with its source (after NOSCRIPT, which loads it).
func evalScript(ctx context.Context, pipe redis.Pipeliner, script *redis.Script, cached bool, keys []string, args ...any) *redis.Cmd {
	if cached {
		return script.EvalSha(ctx, pipe, keys, args...)
	}
	return script.Eval(ctx, pipe, keys, args...)
}

func isNoScript(err error) bool {
	var rerr redis.Error
	return errors.As(err, &rerr) && strings.HasPrefix(rerr.Error(), "NOSCRIPT")
}

// parseResult reads one op's answer from the front of the script's flat
// reply and returns the rest: duplicate, seq, total cents, scale, alert
// version, gift total cents, status, superseded, superseded outcome, the
// number of entries, and the entries ("<parcel> <carrier>").
func parseResult(reply []any) (Result, []any, error) {
	if len(reply) < 10 {
		return Result{}, nil, fmt.Errorf("script reply: %d values, want at least 10", len(reply))
	}
	var n [6]int64
	for i := range n {
		v, err := integer(reply[i])
		if err != nil {
			return Result{}, nil, fmt.Errorf("script reply value %d: %w", i+1, err)
		}
		n[i] = v
	}
	count, err := integer(reply[9])
	if err != nil || count < 0 || count > int64(len(reply)-10) {
		return Result{}, nil, fmt.Errorf("script reply: %v entries of %d values", reply[9], len(reply)-10)
	}
	status, _ := reply[6].(string)
	superseded, _ := reply[7].(string)
	outcome, _ := reply[8].(string)
	res := Result{
		Duplicate:         n[0] == 1,
		Seq:               n[1],
		Total:             money.FromCents(n[2], int32(n[3])),
		AlertVersion:      n[4],
		GiftTotal:         money.FromCents(n[5], money.MaxPlaces),
		Status:            Status(status),
		Superseded:        superseded,
		SupersededOutcome: Outcome(outcome),
	}
	entries := reply[10 : 10+count]
	if res.AlertVersion > 0 {
		res.AlertParcels = make([]string, 0, len(entries))
		res.AlertCarriers = make([]string, 0, len(entries))
		for _, e := range entries {
			text, _ := e.(string)
			parcel, carrier, _ := strings.Cut(text, " ")
			res.AlertParcels = append(res.AlertParcels, parcel)
			res.AlertCarriers = append(res.AlertCarriers, carrier)
		}
	}
	return res, reply[10+count:], nil
}

// integer reads a script value that is an integer reply or its text.
func integer(v any) (int64, error) {
	switch v := v.(type) {
	case int64:
		return v, nil
	case string:
		return strconv.ParseInt(v, 10, 64)
	}
	return 0, fmt.Errorf("%v (%T): not an integer", v, v)
}

// LinkRequest asks which recipient a parcel's links (hashed phone, email)
// already belong to.
type LinkRequest struct {
	// Links are link keys (identity.Keyer.LinkKey), strongest first; empty
	// entries are skipped.
	Links []string
	// Own is the parcel's own recipient key.
	Own string
	// ParcelID pins the answer: a parcel seen again (a redelivery) gets
	// the key it got the first time, whatever links were recorded since.
	ParcelID string
}

// Link resolves each request to a recipient key: the key the first of its
// links was first seen with, or its own key when none was seen; links not
// seen before are then recorded with the chosen key, for TTL after their
// last use. A parcel's answer is pinned (for TTL): a redelivered parcel
// gets the key it got the first time. Two round trips, pipelined for the
// whole slice (Resolve, then its writes); requests without links cost
// nothing. Two batches that see a new link at the same moment may each
// keep their own key for that parcel; from then on the link names one
// recipient.
func (s *Store) Link(ctx context.Context, reqs []LinkRequest) ([]string, error) {
	keys, write, err := s.Resolve(ctx, reqs)
	if err != nil {
		return nil, err
	}
	if err := write(ctx); err != nil {
		return nil, err
	}
	return keys, nil
}

// Resolve is Link's first round trip: it returns each request's key, and
// write, which records the links and pins not seen before (Link's second
// round trip). The caller must see write succeed before it acts on the
// keys outside this process (publishes a decision); it may run it
// alongside other work, such as counting with the keys.
func (s *Store) Resolve(ctx context.Context, reqs []LinkRequest) (keys []string, write func(context.Context) error, err error) {
	out := make([]string, len(reqs))
	gets := make([][]*redis.StringCmd, len(reqs))
	pins := make([]*redis.StringCmd, len(reqs))
	ttl := time.Duration(s.ttlMS) * time.Millisecond
	nothing := func(context.Context) error { return nil }
	any := false
	_, err = s.rdb.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		for i, req := range reqs {
			out[i] = req.Own
			if req.ParcelID != "" {
				pins[i] = pipe.Get(ctx, s.pinKey(req))
			}
			for _, link := range req.Links {
				if link == "" {
					gets[i] = append(gets[i], nil)
					continue
				}
				any = true
				// GETEX renews a known link's expiry as it reads it.
				gets[i] = append(gets[i], pipe.GetEx(ctx, s.linkKey(link), ttl))
			}
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, nil, fmt.Errorf("resolve links: %w", err)
	}
	if !any {
		return out, nothing, nil
	}
	// Resolve in request order, so that a link first seen in this batch
	// already names its recipient for the requests after it.
	seen := make(map[string]string)
	known := make(map[string]bool)
	pinned := make([]bool, len(reqs))
	for i, req := range reqs {
		if pins[i] != nil {
			if v, err := pins[i].Result(); err == nil && v != "" {
				out[i], pinned[i] = v, true
				continue
			}
		}
		for j, cmd := range gets[i] {
			if cmd == nil {
				continue
			}
			key, ok := seen[req.Links[j]]
			if !ok {
				if v, err := cmd.Result(); err == nil && v != "" {
					key, ok = v, true
					seen[req.Links[j]], known[req.Links[j]] = v, true
				}
			}
			if ok && out[i] == req.Own {
				out[i] = key
			}
		}
		for _, link := range req.Links {
			if _, ok := seen[link]; !ok && link != "" {
				seen[link] = out[i]
			}
		}
	}
	write = func(ctx context.Context) error {
		_, err := s.rdb.Pipelined(ctx, func(pipe redis.Pipeliner) error {
			for link, key := range seen {
				// SET NX keeps a link another batch recorded meanwhile
				// (with its own fresh expiry); known links were renewed
				// by GETEX.
				if !known[link] {
					pipe.SetNX(ctx, s.linkKey(link), key, ttl)
				}
			}
			for i, req := range reqs {
				if req.ParcelID != "" && !pinned[i] {
					pipe.SetNX(ctx, s.pinKey(req), out[i], ttl)
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("record links: %w", err)
		}
		return nil
	}
	return out, write, nil
}

func (s *Store) linkKey(link string) string {
	return s.prefix + ":link:{" + link + "}"
}

// pinKey holds the key a parcel of a recipient was linked to.
func (s *Store) pinKey(req LinkRequest) string {
	return s.prefix + ":pin:{" + req.Own + "}:" + req.ParcelID
}

// hashSlot is the Redis Cluster slot of a key whose hash tag is tag:
// CRC16 (XMODEM) of the tag, modulo 16384.
func hashSlot(tag string) uint16 {
	var crc uint16
	for i := 0; i < len(tag); i++ {
		crc ^= uint16(tag[i]) << 8
		for b := 0; b < 8; b++ {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return crc % 16384
}
