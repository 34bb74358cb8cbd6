package window

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/s321/s321/internal/event"
)

// memory keeps subjects, links, and the records behind explanations in
// this process, for the embedded default and for replay: the rules of
// rules.go applied to subjects held whole, under one lock.
//
// It forgets by a clock of its own, the newest entry date it has seen,
// rather than by the time of day: a subject, link or record last written
// more than the TTL (in whole days, at least one) before that clock is
// dropped, as Redis drops a key the TTL after its last write. A live
// stream thus keeps about the TTL's worth of days, and a replay of years
// of history in arrival order holds no more than that at any time. A
// parcel that arrives late, with an entry date older than the clock, is
// written at the clock's date: its subject lives as long as it is
// written to, whatever its entry date.
type memory struct {
	mu      sync.Mutex
	ttlDays int64
	// subjects and others map a subject's key to its slot in slab;
	// others holds the subjects whose key or entry date memKey cannot
	// encode (tests use short names): none in production.
	subjects map[memKey]uint32
	others   map[memOtherKey]uint32
	slab     subjectSlab
	// links maps a link key, decoded as subject keys are, to what it
	// names; otherLinks holds the link keys that are not 64 lowercase
	// hex characters (tests use short names).
	links      map[[32]byte]memLink
	otherLinks map[string]memLink
	parcels    map[string]*memParcel
	alerts     map[string]map[string]memAlert // by entry date, then alert id
	// newest is the store's clock: the newest entry date seen (days
	// since 1970-01-01); swept the newest at the last sweep.
	newest, swept int64
}

// memKey is a subject's key: its scope, its entry date as yyyymmdd (0
// for an order), and its subject key, 64 lowercase hex characters, as the
// 32 bytes they encode. It holds no pointer, so the map of subjects is
// hashed in one pass and its keys cost the collector nothing to mark.
type memKey struct {
	scope   Scope
	date    int32
	subject [32]byte
}

// memOtherKey is the key of a subject memKey cannot encode. Its strings
// are the op's, whole: no such key is equal to a memKey's.
type memOtherKey struct {
	scope         Scope
	subject, date string
}

// subjectKey returns the key of a subject of scope on date; ok is false
// when the subject is not 64 lowercase hex characters or the date not
// YYYY-MM-DD, for a memOtherKey to keep. Both encodings are one to one,
// so two keys are equal only for the same subject and date.
func subjectKey(scope Scope, subject, date string) (key memKey, ok bool) {
	key.scope = scope
	if scope != ScopeOrder {
		day := dateNumber(date)
		if day == 0 {
			return key, false
		}
		key.date = int32(day)
	}
	return key, decodeHexKey(&key.subject, subject)
}

// otherKey is subjectKey's fallback.
func otherKey(scope Scope, subject, date string) memOtherKey {
	if scope == ScopeOrder {
		date = ""
	}
	return memOtherKey{scope: scope, subject: subject, date: date}
}

// decodeHexKey decodes 64 lowercase hex characters into dst; false for
// anything else (uppercase too, so that one key has one encoding).
func decodeHexKey(dst *[32]byte, s string) bool {
	if len(s) != 2*len(dst) {
		return false
	}
	_, ok := event.AppendLowerHexDecode(dst[:0], s)
	return ok
}

// lookup returns the subject of scope, subject and date, nil when there
// is none.
func (m *memory) lookup(scope Scope, subject, date string) *memSubject {
	var slot uint32
	var ok bool
	if key, encoded := subjectKey(scope, subject, date); encoded {
		slot, ok = m.subjects[key]
	} else {
		slot, ok = m.others[otherKey(scope, subject, date)]
	}
	if !ok {
		return nil
	}
	return m.slab.at(slot)
}

// subjectOf returns op's subject, created (last written on day, by the
// store's clock) when there is none.
func (m *memory) subjectOf(op *Op, day int64) *memSubject {
	if key, ok := subjectKey(op.Scope, op.Subject, op.EntryDate); ok {
		slot, ok := m.subjects[key]
		if !ok {
			slot = m.slab.alloc(day)
			m.subjects[key] = slot
		}
		return m.slab.at(slot)
	}
	key := otherKey(op.Scope, op.Subject, op.EntryDate)
	slot, ok := m.others[key]
	if !ok {
		slot = m.slab.alloc(day)
		// The key outlives the op: its strings are copied, so that they
		// do not hold the whole decoded message.
		key.subject, key.date = strings.Clone(key.subject), strings.Clone(key.date)
		m.others[key] = slot
	}
	return m.slab.at(slot)
}

// subjectSlab holds the memory store's subjects in chunks, addressed by
// slot: the maps of subjects hold slots rather than pointers, so that the
// collector has no pointer to follow in them, and one chunk is one
// allocation for subjectChunk subjects. The slot of a subject dropped is
// used again; a *memSubject at returns is good until its subject is
// dropped.
type subjectSlab struct {
	chunks []*[subjectChunk]memSubject
	// free are the slots of dropped subjects; used counts the slots ever
	// handed out.
	free []uint32
	used uint32
}

const subjectChunk = 1024

func (s *subjectSlab) at(slot uint32) *memSubject {
	return &s.chunks[slot/subjectChunk][slot%subjectChunk]
}

// alloc returns the slot of a new subject last written on day.
func (s *subjectSlab) alloc(day int64) uint32 {
	var slot uint32
	if n := len(s.free); n > 0 {
		slot, s.free = s.free[n-1], s.free[:n-1]
	} else {
		if int(s.used/subjectChunk) == len(s.chunks) {
			s.chunks = append(s.chunks, new([subjectChunk]memSubject))
		}
		slot = s.used
		s.used++
	}
	// A slot is zero here, new or cleared by release. Setting only its
	// day stores no pointer, so no write barrier reads the slot first: in
	// a new chunk that read would map the page once to read and again to
	// write.
	s.at(slot).day = day
	return slot
}

// release drops the subject in slot, for its slot to be used again.
func (s *subjectSlab) release(slot uint32) {
	*s.at(slot) = memSubject{}
	s.free = append(s.free, slot)
}

// dropSubjectsBefore deletes the subjects of m last written before day.
func dropSubjectsBefore[K comparable](m map[K]uint32, slab *subjectSlab, day int64) {
	for key, slot := range m {
		if slab.at(slot).day < day {
			delete(m, key)
			slab.release(slot)
		}
	}
}

type memSubject struct {
	subject
	day int64 // the store's clock when it was last written
}

type memLink struct {
	key string
	day int64
}

// memParcel is what Record kept of a parcel: its decisions in the order
// recorded, each once.
type memParcel struct {
	decisions []memDecision
	subjects  []datedSubject
	day       int64
}

// datedSubject is a subject whose alert on date lists the parcel.
type datedSubject struct {
	date string
	AlertSubject
}

// memDecision is a decision kept (appendKept, without subjects:
// memParcel has them).
type memDecision struct {
	id   string
	kept []byte
}

type memAlert struct {
	version int64
	json    []byte
}

func newMemory(ttl time.Duration) *memory {
	return &memory{
		ttlDays:    max(int64((ttl+24*time.Hour-1)/(24*time.Hour)), 1),
		subjects:   map[memKey]uint32{},
		others:     map[memOtherKey]uint32{},
		links:      map[[32]byte]memLink{},
		otherLinks: map[string]memLink{},
		parcels:    map[string]*memParcel{},
		alerts:     map[string]map[string]memAlert{},
	}
}

func (m *memory) apply(ops []Op) []Result {
	results := make([]Result, len(ops))
	var ids idCopies
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := range ops {
		op := &ops[i]
		now := m.seen(op.EntryDate)
		ms := m.subjectOf(op, now)
		res := ms.apply(op, &ids)
		if res.Status == StatusOK && !res.Duplicate {
			ms.day = now
		}
		if res.AlertVersion > 0 {
			setAlertEntries(&res, ms.wholeEntries(min(res.Seq, MaxAlertParcels)))
		}
		results[i] = res
	}
	return results
}

// seen notes an entry date and returns the store's clock, which it moves
// on to the date when the date is newer; when the clock moves on, it
// sweeps what was last written more than the TTL before it.
func (m *memory) seen(date string) int64 {
	if day, ok := dayNumber(date); ok && day > m.newest {
		m.newest = day
	}
	if m.newest > m.swept {
		m.sweep(m.newest - m.ttlDays)
		m.swept = m.newest
	}
	return m.newest
}

// sweep drops everything last written before day, by the store's clock;
// the alerts kept for queries, by their entry date.
func (m *memory) sweep(day int64) {
	dropSubjectsBefore(m.subjects, &m.slab, day)
	dropSubjectsBefore(m.others, &m.slab, day)
	dropBefore(m.links, day, func(l memLink) int64 { return l.day })
	dropBefore(m.otherLinks, day, func(l memLink) int64 { return l.day })
	dropBefore(m.parcels, day, func(p *memParcel) int64 { return p.day })
	for date := range m.alerts {
		if d, ok := dayNumber(date); ok && d < day {
			delete(m.alerts, date)
		}
	}
}

// dropBefore deletes the entries of m whose day is before day.
func dropBefore[K comparable, V any](m map[K]V, day int64, dayOf func(V) int64) {
	for key, v := range m {
		if dayOf(v) < day {
			delete(m, key)
		}
	}
}

// dayNumber reads a YYYY-MM-DD date as days since 1970-01-01; ok is
// false for anything else, as time.Parse(time.DateOnly, date) would
// refuse it. It reads the digits itself, not with time.Parse: it runs for
// every op.
func dayNumber(date string) (day int64, ok bool) {
	number := dateNumber(date) // yyyymmdd, 0 when not digits and dashes
	year, month, dayOfMonth := int(number/10000), time.Month(number/100%100), int(number%100)
	t := time.Date(year, month, dayOfMonth, 0, 0, 0, 0, time.UTC)
	// time.Date carries a day past its month's end into the next month:
	// such a date is no date.
	if number == 0 || t.Year() != year || t.Month() != month || t.Day() != dayOfMonth {
		return 0, false
	}
	return t.Unix() / 86400, true
}

// resolve is Store.Resolve in memory. Links are recorded at once: nothing
// leaves the process before the batch is published anyway. It keeps no
// pins: under the one lock no other batch records a link between a
// parcel's resolve and its write, so every link of a parcel names, from
// its first resolve on and for as long as the link lives, the recipient
// it resolved to (a link is never rewritten), and a redelivered parcel
// resolves as it did the first time, as in Redis without a race.
func (m *memory) resolve(reqs []LinkRequest) ([]string, func(context.Context) error, error) {
	out := make([]string, len(reqs))
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, req := range reqs {
		out[i] = req.Own
		now := m.seen(req.EntryDate)
		for _, link := range req.Links {
			if link == "" {
				continue
			}
			if l, ok := m.link(link); ok {
				m.setLink(link, memLink{key: l.key, day: now})
				if out[i] == req.Own {
					out[i] = l.key
				}
			}
		}
		for _, link := range req.Links {
			if _, ok := m.link(link); !ok && link != "" {
				m.setLink(link, memLink{key: out[i], day: now})
			}
		}
	}
	return out, func(context.Context) error { return nil }, nil
}

// link returns what a link key names, if it is known.
func (m *memory) link(link string) (memLink, bool) {
	var key [32]byte
	if decodeHexKey(&key, link) {
		l, ok := m.links[key]
		return l, ok
	}
	l, ok := m.otherLinks[link]
	return l, ok
}

func (m *memory) setLink(link string, l memLink) {
	var key [32]byte
	if decodeHexKey(&key, link) {
		m.links[key] = l
		return
	}
	m.otherLinks[link] = l
}

// record is Store.Record in memory.
func (m *memory) record(parcels []ParcelRecord, alerts []AlertRecord) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, p := range parcels {
		now := m.seen(p.EntryDate)
		kept := m.parcels[p.ParcelID]
		if kept == nil {
			kept = &memParcel{}
			m.parcels[strings.Clone(p.ParcelID)] = kept
		}
		kept.day = now
		for _, a := range p.Subjects {
			if dated := (datedSubject{p.EntryDate, a}); !slices.Contains(kept.subjects, dated) {
				kept.subjects = append(kept.subjects, dated)
			}
		}
		value := appendKept(nil, &p, nil)
		i := slices.IndexFunc(kept.decisions, func(k memDecision) bool { return k.id == p.DecisionID })
		if i < 0 {
			kept.decisions = append(kept.decisions, memDecision{id: strings.Clone(p.DecisionID), kept: value})
		} else {
			kept.decisions[i].kept = value
		}
	}
	for _, a := range alerts {
		m.seen(a.EntryDate)
		day := m.alerts[a.EntryDate]
		if day == nil {
			day = map[string]memAlert{}
			m.alerts[a.EntryDate] = day
		}
		if kept, ok := day[a.AlertID]; ok && kept.version >= a.Version {
			continue
		}
		day[a.AlertID] = memAlert{version: a.Version, json: slices.Clone(a.Alert)}
	}
}

// parcelHistory is Store.ParcelHistory in memory.
func (m *memory) parcelHistory(parcelID string) ([][]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	kept := m.parcels[parcelID]
	if kept == nil {
		return nil, ErrNotFound
	}
	decisions := kept.decisions[max(0, len(kept.decisions)-MaxHistory):]
	out := make([][]byte, len(decisions))
	for i, d := range decisions {
		k, err := parseKept(d.kept)
		if err != nil {
			return nil, fmt.Errorf("parcel history of %s: %w", parcelID, err)
		}
		out[i] = k.json()
	}
	return out, nil
}

// alertsPage is Store.AlertsPage in memory.
func (m *memory) alertsPage(date, after string, limit int) AlertPage {
	m.mu.Lock()
	defer m.mu.Unlock()
	day := m.alerts[date]
	ids := make([]string, 0, len(day))
	for id := range day {
		if id > after {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	var page AlertPage
	for i, id := range ids {
		if i == limit {
			page.Next = ids[i-1]
			break
		}
		page.Alerts = append(page.Alerts, day[id].json)
	}
	return page
}

// parcelAlerts is Store.ParcelAlerts in memory.
func (m *memory) parcelAlerts(parcelID string) [][]byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	kept := m.parcels[parcelID]
	if kept == nil {
		return nil
	}
	refs := make([]AlertRef, len(kept.subjects))
	for i, a := range kept.subjects {
		refs[i] = a.ref(a.date)
	}
	var out [][]byte
	for _, r := range sortedRefs(refs) {
		if a, ok := m.alerts[r.EntryDate][r.AlertID]; ok {
			out = append(out, a.json)
		}
	}
	return out
}

// day is Store.Day in memory.
func (m *memory) day(recipientKey, date string) (*Day, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	ms := m.lookup(ScopeRecipientDay, recipientKey, date)
	if ms == nil {
		return nil, ErrNotFound
	}
	entries := ms.wholeEntries(MaxAlertParcels)
	return dayOf(&ms.subject, entries, recipientKey, date, func(parcel string) *parcelRecord {
		rec, _ := ms.parcels.get(parcel)
		return rec
	}), nil
}
