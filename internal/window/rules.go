package window

import (
	"strings"
	"unique"

	"github.com/s321/s321/internal/decide"
)

// This file holds the counting rules: what one parcel event does to the
// subject it counts toward. They are the one implementation of the day
// total, the gift total, the alert's start and versions, the deltas of an
// amend or a cancel, and the members of an address; both stores (Redis and
// memory) load a subject, apply these rules to it, and keep what changed.
// The rules do no I/O and read no clock.

// The bounds of an alert (EVENTS.md, "Bounded alerts"): whatever the size
// of its subject, an alert lists at most the first MaxAlertParcels parcels
// and MaxAlertCarriers distinct carriers, and its parcel_count says how
// many were counted in all.
const (
	MaxAlertParcels  = 1000
	MaxAlertCarriers = 100
)

// subject is what the rules know of one subject (a recipient's day, an
// order, an address's day): its figures, and the records of the parcels,
// events and members the ops at hand name. A store loads it, the rules
// change it, and the store keeps what changed (write.changed says what,
// for the Redis store).
type subject struct {
	// version is bumped by every change; the Redis store writes a subject
	// back only while its version is the one it read.
	version int64
	// epoch is drawn when the subject first raises its alert, so that one
	// life of a key is told from the next after it expired (the entries
	// cache of the Redis store); 0 before.
	epoch int64
	// n is the number of distinct parcels counted; total and giftTotal
	// are in cents, scale the largest number of decimal places among the
	// values counted, alertFrom the seq of the parcel that raised the
	// alert (0: none), members the number of distinct members.
	n, total, giftTotal, alertFrom, members int64
	scale                                   int32
	// day is the newest entry date the subject counted, as yyyymmdd: the
	// stores keep a subject for their TTL after it (the Redis store
	// renews a key's expiry when it moves on).
	day int64

	// parcels and events hold the records of the parcels and amend or
	// cancel events loaded (absent: not counted); memberSeen, the members
	// loaded (absent: not a member).
	parcels smallMap[parcelRecord]
	// events and memberSeen are nil until the subject has any (most
	// subjects never do): a subject is the bulk of the memory store.
	events     *smallMap[eventRecord]
	memberSeen *smallMap[struct{}]

	// write is what the Redis store tracks to write back what an apply
	// changed; nil in the memory store, which keeps the subject itself.
	write *writeState
}

// writeState is the part of a subject only the Redis store keeps: what an
// apply changed, and the entries it added.
type writeState struct {
	// firstSeq is the seq of the first entry in entries: the entries
	// "<parcel> <carrier>" this apply added (only the first
	// MaxAlertParcels are kept at all), or, for a subject the store
	// holds whole, all it added since it began to hold it.
	firstSeq int64
	entries  []entry
	// entriesWritten is how many of entries Redis has already: a write
	// sends only those after them.
	entriesWritten int
	changed        changes
}

// entry is one of the first MaxAlertParcels parcels of a subject.
type entry struct{ parcel, carrier string }

// changes says what an apply changed in a subject, for the Redis store to
// write back.
type changes struct {
	// figures: n, total, scale, gift total, alert start, members
	figures bool
	// created: the subject did not exist.
	created bool
	// log names the parcels and events whose records changed and the
	// members added, in order; nil until there are any.
	log *changeLog
}

// changeLog is the part of changes the Redis store writes field by field.
type changeLog struct {
	parcels, events, members []string
}

func (c *changes) any() bool {
	return c.figures || c.log != nil && (len(c.log.parcels) > 0 || len(c.log.events) > 0 || len(c.log.members) > 0)
}

// parcelRecord is one parcel as its subject keeps it: its first answer,
// which a redelivered parcel gets back, and its current state, which an
// amend or cancel changes.
//
// Its fields are ordered so that the small ones share a word: a subject
// holds one record per parcel, and they are most of the memory store.
type parcelRecord struct {
	// The first answer: seq, total, scale, alert and giftTotal.
	seq, total       int64
	alert, giftTotal int64
	// The current state: value in cents, whether it counts as a gift,
	// whether it is cancelled, the event of its latest decision ("" for
	// the parcel's own event id), that decision's outcome, and its
	// carrier (an amend or cancel must come from the same carrier).
	value     int64
	scale     int32
	gift      bool
	cancelled bool
	outcome   Outcome
	lastEvent string
	carrier   string
}

// eventRecord is the first answer to an amend or cancel.
type eventRecord struct {
	total, giftTotal int64
	scale            int32
	outcome          Outcome
	superseded       string
}

// apply applies op to s and returns its result; the caller fills the
// alert's parcels. An op that would take a total beyond what int64 cents
// hold changes nothing and answers StatusOverflow. ids copies the parcel
// id the subject keeps.
func (s *subject) apply(op *Op, ids *idCopies) Result {
	if op.Kind == KindAmend || op.Kind == KindCancel {
		return s.change(op)
	}
	if rec, ok := s.parcels.get(op.ParcelID); ok {
		return Result{Duplicate: true, Status: StatusOK, Seq: rec.seq,
			totalCents: rec.total, scale: rec.scale, AlertVersion: rec.alert, giftCents: rec.giftTotal}
	}
	total, ok := addCents(s.total, op.ValueCents)
	giftTotal := s.giftTotal
	if ok && op.Gift {
		giftTotal, ok = addCents(giftTotal, op.ValueCents)
	}
	if !ok {
		return Result{Status: StatusOverflow}
	}
	// A carrier is one of a few names, kept once for all the records
	// that name it.
	parcelID, carrier := ids.parcelID(op.ParcelID), unique.Make(op.Carrier).Value()
	seq := s.n + 1
	s.n, s.total, s.giftTotal = seq, total, giftTotal
	s.day = max(s.day, dateNumber(op.EntryDate))
	s.scale = max(s.scale, op.Scale)
	if op.MinMembers > 0 && op.Member != "" {
		member := memberName(op.Member)
		if _, seen := s.memberSeen.get(member); !seen {
			s.setMember(member)
			s.members++
		}
	}
	if s.write != nil && seq <= MaxAlertParcels {
		s.write.entries = append(s.write.entries, entry{parcelID, carrier})
	}

	// The alert: by the split rule (decide.DailyTotalApplies), raised by
	// the first parcel that is within the threshold alone but takes the
	// total above it; by the members rule, by the first parcel after which
	// the subject has enough distinct members and a total above the
	// threshold. Every later parcel of the subject under a regime with a
	// threshold counted per recipient and day publishes it again, one
	// version higher.
	var alert int64
	res := Result{Status: StatusOK, Seq: seq, totalCents: total, scale: s.scale, giftCents: giftTotal}
	if r := op.Regime; r != nil && r.HasThreshold && r.Basis == decide.BasisRecipientDay && op.Parcel != nil {
		var raise bool
		if op.MinMembers > 0 {
			raise = s.members >= int64(op.MinMembers) && res.Total().GreaterThan(r.Threshold)
		} else {
			raise = decide.DailyTotalApplies(r, op.Parcel.Value, res.Total())
		}
		if s.alertFrom == 0 && raise {
			s.alertFrom = seq
		}
		if s.alertFrom > 0 {
			alert = seq - s.alertFrom + 1
		}
	}
	res.AlertVersion = alert

	rec := parcelRecord{seq: seq, total: total, scale: s.scale, alert: alert, giftTotal: giftTotal,
		value: op.ValueCents, gift: op.Gift, outcome: s.decide(op, &res), carrier: carrier}
	if op.EventID != "" && op.EventID != op.ParcelID {
		rec.lastEvent = strings.Clone(op.EventID)
	}
	s.setParcel(parcelID, rec)
	s.changedFigures()
	return res
}

// idCopies copies the parcel ids subjects keep. What a subject keeps
// outlives the message: its strings are copied, so that they do not hold
// the whole decoded message (a field of it shares its memory). A parcel
// counts toward up to three subjects, one op each, applied one after the
// other: they share one copy of its id.
type idCopies struct{ id, copied string }

func (c *idCopies) parcelID(id string) string {
	if id != c.id || c.copied == "" {
		c.id, c.copied = id, strings.Clone(id)
	}
	return c.copied
}

// change applies an amend or a cancel.
func (s *subject) change(op *Op) Result {
	if done, ok := s.events.get(op.EventID); ok {
		return Result{Duplicate: true, Status: StatusOK, totalCents: done.total, scale: done.scale, giftCents: done.giftTotal,
			Superseded: done.superseded, SupersededOutcome: done.outcome}
	}
	found, ok := s.parcels.get(op.ParcelID)
	if !ok {
		return Result{Status: StatusUnknown}
	}
	rec := *found
	last := rec.lastEvent
	if last == "" {
		last = op.ParcelID
	}
	switch {
	case rec.carrier != op.Carrier:
		return Result{Status: StatusOtherCarrier}
	case rec.cancelled:
		return Result{Status: StatusCancelled, Superseded: last, SupersededOutcome: rec.outcome}
	case last == op.EventID:
		return Result{Status: StatusSameEvent, Superseded: last, SupersededOutcome: rec.outcome}
	}
	delta := -rec.value
	if op.Kind == KindAmend {
		delta = op.ValueCents - rec.value
	}
	total, ok := addCents(s.total, delta)
	giftTotal := s.giftTotal
	if ok && rec.gift {
		giftTotal, ok = addCents(giftTotal, delta)
	}
	if !ok {
		return Result{Status: StatusOverflow}
	}
	s.total, s.giftTotal = total, giftTotal
	s.day = max(s.day, dateNumber(op.EntryDate))
	was := rec.outcome
	event := strings.Clone(op.EventID)
	rec.lastEvent = event
	if op.Kind == KindCancel {
		rec.cancelled = true
	} else {
		s.scale = max(s.scale, op.Scale)
	}
	res := Result{Status: StatusOK, totalCents: total, scale: s.scale, giftCents: giftTotal, Superseded: last, SupersededOutcome: was}
	if op.Kind == KindAmend {
		rec.value, rec.outcome = op.ValueCents, s.decide(op, &res)
	}
	s.setParcel(op.ParcelID, rec) // kept already: its key stays
	s.setEvent(event, eventRecord{total: total, scale: s.scale, giftTotal: giftTotal, superseded: last, outcome: was})
	s.changedFigures()
	return res
}

// decide is the decision the subject keeps for a parcel counted (or
// amended) by op, with the totals of res: decide's, whose result res
// carries for the caller. Subjects other than a recipient's day keep no
// decision that matters (formal): only their alerts are published.
func (s *subject) decide(op *Op, res *Result) Outcome {
	if op.Regime == nil || op.Parcel == nil || op.Scope != ScopeRecipientDay {
		return OutcomeFormal
	}
	if op.Gift {
		res.decided = decide.DecideGift(op.Regime, *op.Parcel, res.Total(), res.GiftTotal())
	} else {
		res.decided = decide.Decide(op.Regime, *op.Parcel, res.Total())
	}
	res.hasDecided = true
	if res.decided.Decision == decide.Cleared {
		return OutcomeCleared
	}
	return OutcomeFormal
}

func (s *subject) setParcel(id string, rec parcelRecord) {
	s.parcels.set(id, rec)
	if log := s.changeLog(); log != nil {
		log.parcels = append(log.parcels, id)
	}
}

func (s *subject) setEvent(id string, rec eventRecord) {
	if s.events == nil {
		s.events = new(smallMap[eventRecord])
	}
	s.events.set(id, rec)
	if log := s.changeLog(); log != nil {
		log.events = append(log.events, id)
	}
}

func (s *subject) setMember(member string) {
	if s.memberSeen == nil {
		s.memberSeen = new(smallMap[struct{}])
	}
	s.memberSeen.set(member, struct{}{})
	if log := s.changeLog(); log != nil {
		log.members = append(log.members, member)
	}
}

// memberName is what a member is: its first 32 characters (128 bits of
// a name key), held whole or read back from Redis alike, so that a
// member's field there stays well within the 64 bytes of a listpack
// entry.
func memberName(member string) string {
	return member[:min(32, len(member))]
}

// changedFigures notes that the figures changed, where they are written
// back.
func (s *subject) changedFigures() {
	if s.write != nil {
		s.write.changed.figures = true
	}
}

// changeLog returns the subject's log of changes, nil where nothing is
// written back.
func (s *subject) changeLog() *changeLog {
	if s.write == nil {
		return nil
	}
	if s.write.changed.log == nil {
		s.write.changed.log = new(changeLog)
	}
	return s.write.changed.log
}

// records counts what the subject holds one by one: the records of its
// parcels, events and members, and the entries its writes keep; the
// figures aside. A subject held whole costs about its records.
func (s *subject) records() int {
	n := len(s.parcels.items)
	if s.events != nil {
		n += len(s.events.items)
	}
	if s.memberSeen != nil {
		n += len(s.memberSeen.items)
	}
	if s.write != nil {
		n += len(s.write.entries)
	}
	return n
}

// wholeEntries returns the first n entries of a subject held whole, as
// the memory store holds them: its parcels, in the order they were first
// counted (smallMap keeps that order, and the rules set a parcel's record
// first when they count it).
func (s *subject) wholeEntries(n int64) []entry {
	n = min(n, int64(len(s.parcels.items)))
	entries := make([]entry, n)
	for i := range entries {
		item := &s.parcels.items[i]
		entries[i] = entry{item.key, item.val.carrier}
	}
	return entries
}

// smallMap maps strings to values, holding its entries in one slice in
// the order they were first set: most subjects hold one to three parcels,
// which a slice keeps in one allocation where a map takes several. Past
// smallMapLinear entries it indexes them in a map as well. A pointer get
// returns is good until the next set.
type smallMap[V any] struct {
	items []smallItem[V]
	index map[string]int
}

type smallItem[V any] struct {
	key string
	val V
}

const smallMapLinear = 16

func (m *smallMap[V]) get(key string) (*V, bool) {
	if m == nil {
		return nil, false
	}
	if m.index != nil {
		i, ok := m.index[key]
		if !ok {
			return nil, false
		}
		return &m.items[i].val, true
	}
	for i := range m.items {
		if m.items[i].key == key {
			return &m.items[i].val, true
		}
	}
	return nil, false
}

func (m *smallMap[V]) set(key string, v V) {
	if p, ok := m.get(key); ok {
		*p = v
		return
	}
	m.items = append(m.items, smallItem[V]{key, v})
	if m.index != nil {
		m.index[key] = len(m.items) - 1
	} else if len(m.items) > smallMapLinear {
		m.index = make(map[string]int, 2*len(m.items))
		for i := range m.items {
			m.index[m.items[i].key] = i
		}
	}
}

// dateNumber reads a YYYY-MM-DD date as the number yyyymmdd, which
// orders as the dates do; 0 for anything else.
func dateNumber(date string) int64 {
	if len(date) != 10 || date[4] != '-' || date[7] != '-' {
		return 0
	}
	var n int64
	for i := 0; i < len(date); i++ {
		c := date[i]
		if i == 4 || i == 7 {
			continue
		}
		if c < '0' || c > '9' {
			return 0
		}
		n = n*10 + int64(c-'0')
	}
	return n
}

// addCents adds two amounts in cents; ok is false when the sum does not
// fit in an int64.
func addCents(a, b int64) (sum int64, ok bool) {
	sum = a + b
	if (b > 0 && sum < a) || (b < 0 && sum > a) {
		return 0, false
	}
	return sum, true
}
