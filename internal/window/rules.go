package window

import (
	"github.com/s321/s321/internal/decide"
	"github.com/s321/s321/internal/money"
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
// change it, and the store keeps what changed (changed says what).
type subject struct {
	// version is bumped by every change; the Redis store writes a subject
	// back only while its version is the one it read.
	version int64
	// epoch is drawn when the subject is created, so that one life of a
	// key is told from the next after it expired (the entries cache).
	epoch int64
	// n is the number of distinct parcels counted; total and giftTotal
	// are in cents, scale the largest number of decimal places among the
	// values counted, alertFrom the seq of the parcel that raised the
	// alert (0: none), members the number of distinct members.
	n, total, giftTotal, alertFrom, members int64
	scale                                   int32

	// parcels and events hold the records of the parcels and amend or
	// cancel events loaded (a nil record: not counted); members, the
	// members loaded (false: not a member).
	parcels    map[string]*parcelRecord
	events     map[string]*eventRecord
	memberSeen map[string]bool

	// firstSeq is the seq of the first entry in entries: the entries the
	// subject holds from there on, "<parcel> <carrier>" (only the first
	// MaxAlertParcels are kept at all). The memory store holds them all
	// (firstSeq 1); the Redis store those this apply added.
	firstSeq int64
	entries  []entry

	changed changes
}

// entry is one of the first MaxAlertParcels parcels of a subject.
type entry struct{ parcel, carrier string }

// changes says what an apply changed in a subject, for the Redis store to
// write back. The memory store keeps the subject itself and clears it.
type changes struct {
	// figures: n, total, scale, gift total, alert start, members
	figures bool
	// parcels and events whose records changed, members added, in order.
	parcels, events, members []string
	// created: the subject did not exist (its epoch is new).
	created bool
}

func (c *changes) any() bool {
	return c.figures || len(c.parcels) > 0 || len(c.events) > 0 || len(c.members) > 0
}

// parcelRecord is one parcel as its subject keeps it: its first answer,
// which a redelivered parcel gets back, and its current state, which an
// amend or cancel changes.
type parcelRecord struct {
	// The first answer.
	seq, total int64
	scale      int32
	alert      int64
	giftTotal  int64
	// The current state: value in cents, whether it counts as a gift,
	// whether it is cancelled, the event of its latest decision ("" for
	// the parcel's own event id), that decision's outcome, and its
	// carrier (an amend or cancel must come from the same carrier).
	value     int64
	gift      bool
	cancelled bool
	lastEvent string
	outcome   Outcome
	carrier   string
}

// eventRecord is the first answer to an amend or cancel.
type eventRecord struct {
	total      int64
	scale      int32
	giftTotal  int64
	superseded string
	outcome    Outcome
}

// newSubject returns an empty subject of the given epoch.
func newSubject(epoch int64) *subject {
	return &subject{epoch: epoch, firstSeq: 1, changed: changes{created: true}}
}

// apply applies op to s and returns its result; the caller fills the
// alert's parcels. An op that would take a total beyond what int64 cents
// hold changes nothing and answers StatusOverflow.
func (s *subject) apply(op *Op) Result {
	if op.Kind == KindAmend || op.Kind == KindCancel {
		return s.change(op)
	}
	if rec := s.parcels[op.ParcelID]; rec != nil {
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
	seq := s.n + 1
	s.n, s.total, s.giftTotal = seq, total, giftTotal
	s.scale = max(s.scale, op.Scale)
	if op.MinMembers > 0 && op.Member != "" && !s.memberSeen[op.Member] {
		s.setMember(op.Member)
		s.members++
	}
	if seq <= MaxAlertParcels {
		s.entries = append(s.entries, entry{op.ParcelID, op.Carrier})
	}

	// The alert: by the split rule (decide.DailyTotalApplies), raised by
	// the first parcel that is within the threshold alone but takes the
	// total above it; by the members rule, by the first parcel after which
	// the subject has enough distinct members and a total above the
	// threshold. Every later parcel of the subject under a regime with a
	// threshold counted per recipient and day publishes it again, one
	// version higher.
	var alert int64
	if r := op.Regime; r != nil && r.HasThreshold && r.Basis == decide.BasisRecipientDay {
		dayTotal := money.FromCents(total, s.scale)
		var raise bool
		if op.MinMembers > 0 {
			raise = s.members >= int64(op.MinMembers) && dayTotal.GreaterThan(r.Threshold)
		} else {
			raise = decide.DailyTotalApplies(r, money.FromCents(op.ValueCents, op.Scale), dayTotal)
		}
		if s.alertFrom == 0 && raise {
			s.alertFrom = seq
		}
		if s.alertFrom > 0 {
			alert = seq - s.alertFrom + 1
		}
	}

	rec := &parcelRecord{seq: seq, total: total, scale: s.scale, alert: alert, giftTotal: giftTotal,
		value: op.ValueCents, gift: op.Gift, outcome: s.outcome(op), carrier: op.Carrier}
	if op.EventID != "" && op.EventID != op.ParcelID {
		rec.lastEvent = op.EventID
	}
	s.setParcel(op.ParcelID, rec)
	s.changed.figures = true
	return Result{Status: StatusOK, Seq: seq, totalCents: total, scale: s.scale, AlertVersion: alert, giftCents: giftTotal}
}

// change applies an amend or a cancel.
func (s *subject) change(op *Op) Result {
	if done := s.events[op.EventID]; done != nil {
		return Result{Duplicate: true, Status: StatusOK, totalCents: done.total, scale: done.scale, giftCents: done.giftTotal,
			Superseded: done.superseded, SupersededOutcome: done.outcome}
	}
	rec := s.parcels[op.ParcelID]
	if rec == nil {
		return Result{Status: StatusUnknown}
	}
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
	was := rec.outcome
	next := *rec
	next.lastEvent = op.EventID
	if op.Kind == KindCancel {
		next.cancelled = true
	} else {
		s.scale = max(s.scale, op.Scale)
		next.value = op.ValueCents
		next.outcome = s.outcome(op)
	}
	s.setParcel(op.ParcelID, &next)
	s.setEvent(op.EventID, &eventRecord{total: total, scale: s.scale, giftTotal: giftTotal, superseded: last, outcome: was})
	s.changed.figures = true
	return Result{Status: StatusOK, totalCents: total, scale: s.scale, giftCents: giftTotal, Superseded: last, SupersededOutcome: was}
}

// outcome is the decision the subject keeps for a parcel counted by op
// (the topic a later cancel goes to): decide's, with the totals as they
// now stand. Without a regime (order and address subjects) it is formal.
func (s *subject) outcome(op *Op) Outcome {
	if op.Regime == nil || op.Parcel == nil {
		return OutcomeFormal
	}
	dayTotal := money.FromCents(s.total, s.scale)
	var result decide.Result
	if op.Gift {
		result = decide.DecideGift(op.Regime, *op.Parcel, dayTotal, money.FromCents(s.giftTotal, money.MaxPlaces))
	} else {
		result = decide.Decide(op.Regime, *op.Parcel, dayTotal)
	}
	if result.Decision == decide.Cleared {
		return OutcomeCleared
	}
	return OutcomeFormal
}

func (s *subject) setParcel(id string, rec *parcelRecord) {
	if s.parcels == nil {
		s.parcels = make(map[string]*parcelRecord, 1)
	}
	s.parcels[id] = rec
	s.changed.parcels = append(s.changed.parcels, id)
}

func (s *subject) setEvent(id string, rec *eventRecord) {
	if s.events == nil {
		s.events = make(map[string]*eventRecord, 1)
	}
	s.events[id] = rec
	s.changed.events = append(s.changed.events, id)
}

func (s *subject) setMember(member string) {
	if s.memberSeen == nil {
		s.memberSeen = make(map[string]bool, 1)
	}
	s.memberSeen[member] = true
	s.changed.members = append(s.changed.members, member)
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
