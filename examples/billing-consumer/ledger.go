package main

import (
	"container/list"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"sync"

	"github.com/shopspring/decimal"

	"github.com/s321/s321/internal/event"
)

// Decision is a decision.v1 message with its parcel value read exactly.
type Decision struct {
	event.Decision
	// Value is ParcelValue as an exact decimal.
	Value decimal.Decimal
}

// Decode reads a decision.v1 message. Fields it does not know are
// ignored, as the contract asks of consumers.
func Decode(value []byte) (Decision, error) {
	var d Decision
	if err := json.Unmarshal(value, &d.Decision); err != nil {
		return d, fmt.Errorf("decode decision: %w", err)
	}
	switch {
	case d.Schema != event.SchemaDecision:
		return d, fmt.Errorf("decode decision: schema %q, want %q", d.Schema, event.SchemaDecision)
	case d.DecisionID == "":
		return d, errors.New("decode decision: decision_id is missing")
	case d.EntryType == "":
		return d, errors.New("decode decision: entry_type is missing")
	}
	v, err := decimal.NewFromString(d.ParcelValue)
	if err != nil {
		return d, fmt.Errorf("decode decision: parcel_value %q: %w", d.ParcelValue, err)
	}
	d.Value = v
	return d, nil
}

// Total is what the ledger counted for one entry type and carrier.
type Total struct {
	EntryType string // de_minimis, informal or formal
	Carrier   string
	Parcels   int64
	Value     decimal.Decimal // the sum of parcel_value, exact
}

type totalKey struct{ entryType, carrier string }

// Ledger keeps totals of entries by entry type and carrier and counts each
// decision once: a decision whose decision_id it has seen recently is a
// redelivery and is dropped. It remembers a bounded number of ids (see
// recentIDs). It is safe for concurrent use.
type Ledger struct {
	mu      sync.Mutex
	seen    *recentIDs
	totals  map[totalKey]*Total
	dropped int64
}

// NewLedger returns an empty ledger that remembers the last remember
// decision ids (at least 1).
func NewLedger(remember int) *Ledger {
	return &Ledger{seen: newRecentIDs(max(remember, 1)), totals: make(map[totalKey]*Total)}
}

// Add counts d and reports true, or reports false and counts nothing when
// d is a redelivery of a decision already counted.
func (l *Ledger) Add(d Decision) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.seen.seen(d.DecisionID) {
		l.dropped++
		return false
	}
	key := totalKey{d.EntryType, d.Carrier}
	t := l.totals[key]
	if t == nil {
		t = &Total{EntryType: d.EntryType, Carrier: d.Carrier}
		l.totals[key] = t
	}
	t.Parcels++
	t.Value = t.Value.Add(d.Value)
	return true
}

// Totals returns the totals, sorted by entry type, then carrier.
func (l *Ledger) Totals() []Total {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]Total, 0, len(l.totals))
	for _, t := range l.totals {
		out = append(out, *t)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].EntryType != out[j].EntryType {
			return out[i].EntryType < out[j].EntryType
		}
		return out[i].Carrier < out[j].Carrier
	})
	return out
}

// Dropped is how many redelivered decisions Add dropped.
func (l *Ledger) Dropped() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.dropped
}

// WriteTable writes totals as a table with a total line, then how many
// redeliveries were dropped. Values are written with two decimal places,
// which is exact: the contract allows no more than two.
func WriteTable(w io.Writer, totals []Total, dropped int64) error {
	typeWidth, carrierWidth := len("entry type"), len("carrier")
	for _, t := range totals {
		typeWidth, carrierWidth = max(typeWidth, len(t.EntryType)), max(carrierWidth, len(t.Carrier))
	}
	row := func(entryType, carrier, parcels, value string) string {
		return fmt.Sprintf("%-*s  %-*s  %8s  %16s\n", typeWidth, entryType, carrierWidth, carrier, parcels, value)
	}
	var parcels int64
	var value decimal.Decimal
	out := row("entry type", "carrier", "parcels", "declared value")
	for _, t := range totals {
		out += row(t.EntryType, t.Carrier, fmt.Sprint(t.Parcels), t.Value.StringFixed(2))
		parcels += t.Parcels
		value = value.Add(t.Value)
	}
	out += row("total", "", fmt.Sprint(parcels), value.StringFixed(2))
	out += fmt.Sprintf("redelivered decisions dropped: %d\n", dropped)
	_, err := io.WriteString(w, out)
	return err
}

// recentIDs remembers the most recently seen ids, up to capacity, and
// forgets the least recently seen first (an LRU set). Redeliveries come
// soon after the original (a consumer restart or rebalance re-reads what
// was not yet committed; the processor re-publishes what it was deciding
// when it stopped), so a capacity of a few hours of traffic is plenty.
// An id costs about 140 bytes: 1,000,000 ids take about 140 MB.
type recentIDs struct {
	capacity int
	order    *list.List // of string ids, the most recently seen first
	index    map[string]*list.Element
}

func newRecentIDs(capacity int) *recentIDs {
	return &recentIDs{capacity: capacity, order: list.New(), index: make(map[string]*list.Element)}
}

// seen reports whether id is remembered, and remembers it as the most
// recently seen.
func (r *recentIDs) seen(id string) bool {
	if e, ok := r.index[id]; ok {
		r.order.MoveToFront(e)
		return true
	}
	r.index[id] = r.order.PushFront(id)
	if r.order.Len() > r.capacity {
		oldest := r.order.Back()
		r.order.Remove(oldest)
		delete(r.index, oldest.Value.(string))
	}
	return false
}
