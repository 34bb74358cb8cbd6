package window

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"
)

// memory keeps subjects, links, and the records behind explanations in
// this process, for the embedded default and for replay: the rules of
// rules.go applied to subjects held whole, under one lock.
//
// It forgets in entry dates rather than by the clock: a subject, link or
// record whose newest entry date is more than the TTL (in whole days,
// at least one) before the newest entry date the store has seen is
// dropped. A live stream thus keeps about the TTL's worth of days, and a
// replay of years of history holds no more than that at any time.
type memory struct {
	mu       sync.Mutex
	ttlDays  int64
	subjects map[memKey]*memSubject
	links    map[string]memLink // by link key
	pins     map[string]memLink // by own recipient key and parcel id
	parcels  map[string]*memParcel
	alerts   map[string]map[string]memAlert // by entry date, then alert id
	// newest is the newest entry date seen (days since 1970-01-01);
	// swept the newest at the last sweep.
	newest, swept int64
}

// memKey is a subject's key: its scope, its subject key, and its entry
// date (none for an order).
type memKey struct {
	scope         Scope
	subject, date string
}

func keyOf(op *Op) memKey {
	k := memKey{scope: op.Scope, subject: op.Subject, date: op.EntryDate}
	if op.Scope == ScopeOrder {
		k.date = ""
	}
	return k
}

type memSubject struct {
	subject
	day int64 // the newest entry date that changed it
}

type memLink struct {
	key string
	day int64
}

// memParcel is what Record kept of a parcel: its decisions in the order
// recorded, each once.
type memParcel struct {
	decisions []memDecision
	alerts    []AlertRef
	day       int64
}

type memDecision struct {
	id   string
	json []byte
}

type memAlert struct {
	version int64
	json    []byte
}

func newMemory(ttl time.Duration) *memory {
	return &memory{
		ttlDays:  max(int64((ttl+24*time.Hour-1)/(24*time.Hour)), 1),
		subjects: map[memKey]*memSubject{},
		links:    map[string]memLink{},
		pins:     map[string]memLink{},
		parcels:  map[string]*memParcel{},
		alerts:   map[string]map[string]memAlert{},
	}
}

func (m *memory) apply(ops []Op) []Result {
	results := make([]Result, len(ops))
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := range ops {
		op := &ops[i]
		key := keyOf(op)
		day := m.seen(op.EntryDate)
		ms := m.subjects[key]
		if ms == nil {
			ms = &memSubject{subject: subject{firstSeq: 1}, day: day}
			m.subjects[key] = ms
		}
		res := ms.apply(op)
		if res.Status == StatusOK && !res.Duplicate {
			ms.day = max(ms.day, day)
		}
		if res.AlertVersion > 0 {
			setAlertEntries(&res, ms.entries)
		}
		results[i] = res
	}
	return results
}

// seen notes an entry date and returns its day number; when the newest
// date moves on, it sweeps what is older than the TTL.
func (m *memory) seen(date string) int64 {
	day, ok := dayNumber(date)
	if !ok {
		return m.newest
	}
	if day > m.newest {
		m.newest = day
	}
	if m.newest > m.swept {
		m.sweep(m.newest - m.ttlDays)
		m.swept = m.newest
	}
	return day
}

// sweep drops everything last changed before day.
func (m *memory) sweep(day int64) {
	dropBefore(m.subjects, day, func(s *memSubject) int64 { return s.day })
	dropBefore(m.links, day, func(l memLink) int64 { return l.day })
	dropBefore(m.pins, day, func(l memLink) int64 { return l.day })
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

// dayNumber reads a YYYY-MM-DD date as days since 1970-01-01.
func dayNumber(date string) (int64, bool) {
	t, err := time.Parse(time.DateOnly, date)
	if err != nil {
		return 0, false
	}
	return t.Unix() / 86400, true
}

// resolve is Store.Resolve in memory. Links and pins are recorded at
// once: nothing leaves the process before the batch is published anyway.
func (m *memory) resolve(reqs []LinkRequest) ([]string, func(context.Context) error, error) {
	out := make([]string, len(reqs))
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, req := range reqs {
		out[i] = req.Own
		day := m.seen(req.EntryDate)
		pin := req.Own + "\x00" + req.ParcelID
		if req.ParcelID != "" {
			if p, ok := m.pins[pin]; ok {
				out[i] = p.key
				continue
			}
		}
		for _, link := range req.Links {
			if link == "" {
				continue
			}
			if l, ok := m.links[link]; ok {
				m.links[link] = memLink{key: l.key, day: max(l.day, day)}
				if out[i] == req.Own {
					out[i] = l.key
				}
			}
		}
		for _, link := range req.Links {
			if _, ok := m.links[link]; !ok && link != "" {
				m.links[link] = memLink{key: out[i], day: day}
			}
		}
		if req.ParcelID != "" {
			m.pins[pin] = memLink{key: out[i], day: day}
		}
	}
	return out, func(context.Context) error { return nil }, nil
}

// record is Store.Record in memory.
func (m *memory) record(parcels []ParcelRecord, alerts []AlertRecord) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, p := range parcels {
		day := m.seen(p.EntryDate)
		kept := m.parcels[p.ParcelID]
		if kept == nil {
			kept = &memParcel{}
			m.parcels[strings.Clone(p.ParcelID)] = kept
		}
		kept.day = max(kept.day, day)
		for _, ref := range p.Alerts {
			if !slices.Contains(kept.alerts, ref) {
				kept.alerts = append(kept.alerts, ref)
			}
		}
		i := slices.IndexFunc(kept.decisions, func(d memDecision) bool { return d.id == p.DecisionID })
		if i < 0 {
			kept.decisions = append(kept.decisions, memDecision{id: strings.Clone(p.DecisionID), json: slices.Clone(p.Decision)})
		} else {
			kept.decisions[i].json = slices.Clone(p.Decision)
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
		out[i] = d.json
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
	refs := slices.Clone(kept.alerts)
	slices.SortFunc(refs, func(a, b AlertRef) int {
		if a.EntryDate != b.EntryDate {
			return strings.Compare(a.EntryDate, b.EntryDate)
		}
		return strings.Compare(a.AlertID, b.AlertID)
	})
	var out [][]byte
	for _, r := range refs {
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
	ms := m.subjects[memKey{scope: ScopeRecipientDay, subject: recipientKey, date: date}]
	if ms == nil {
		return nil, ErrNotFound
	}
	return dayOf(&ms.subject, recipientKey, date, func(parcel string) *parcelRecord {
		rec, _ := ms.parcels.get(parcel)
		return rec
	}), nil
}
