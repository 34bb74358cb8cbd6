package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/shopspring/decimal"

	"github.com/s321/s321/internal/event"
)

// Decode reads an alert.v1 message. Fields it does not know are ignored,
// as the contract asks of consumers.
func Decode(value []byte) (event.Alert, error) {
	var a event.Alert
	if err := json.Unmarshal(value, &a); err != nil {
		return a, fmt.Errorf("decode alert: %w", err)
	}
	switch {
	case a.Schema != event.SchemaAlert:
		return a, fmt.Errorf("decode alert: schema %q, want %q", a.Schema, event.SchemaAlert)
	case a.AlertID == "":
		return a, errors.New("decode alert: alert_id is missing")
	case a.Version < 1:
		return a, fmt.Errorf("decode alert: version %d, want 1 or more", a.Version)
	}
	if _, err := decimal.NewFromString(a.DayTotal); err != nil {
		return a, fmt.Errorf("decode alert: day_total %q: %w", a.DayTotal, err)
	}
	return a, nil
}

// Board keeps the latest version of each alert. Every version of an alert
// carries the whole story (all its parcels and the day total so far), so
// the latest replaces the earlier ones. It is safe for concurrent use.
type Board struct {
	mu     sync.Mutex
	alerts map[string]event.Alert // by alert_id
}

// NewBoard returns an empty board.
func NewBoard() *Board {
	return &Board{alerts: make(map[string]event.Alert)}
}

// Update keeps a and reports true when it is the first or a higher version
// of its alert; it reports false and keeps what it has when a is a version
// already seen or older, as a redelivery after a rebalance is.
func (b *Board) Update(a event.Alert) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if current, ok := b.alerts[a.AlertID]; ok && a.Version <= current.Version {
		return false
	}
	b.alerts[a.AlertID] = a
	return true
}

// Current returns the latest version of every alert, by entry date, then
// recipient key.
func (b *Board) Current() []event.Alert {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]event.Alert, 0, len(b.alerts))
	for _, a := range b.alerts {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].EntryDate != out[j].EntryDate {
			return out[i].EntryDate < out[j].EntryDate
		}
		return out[i].RecipientKey < out[j].RecipientKey
	})
	return out
}

// keyLength is how much of a recipient key is printed: 12 hex characters
// tell recipients apart on a screen.
const keyLength = 12

// WriteAlerts writes alerts as a table, one line each, the reason last.
func WriteAlerts(w io.Writer, alerts []event.Alert) error {
	rows := [][]string{{"recipient", "date", "version", "parcels", "carriers", "day total", "reason"}}
	for _, a := range alerts {
		key := a.RecipientKey
		if len(key) > keyLength {
			key = key[:keyLength]
		}
		rows = append(rows, []string{key, a.EntryDate, strconv.FormatInt(a.Version, 10),
			strings.Join(a.ParcelIDs, ","), strings.Join(a.Carriers, ","), a.DayTotal, a.Reason})
	}
	widths := make([]int, len(rows[0]))
	for _, row := range rows {
		for i, cell := range row {
			widths[i] = max(widths[i], len(cell))
		}
	}
	var out strings.Builder
	for _, row := range rows {
		for i, cell := range row {
			switch {
			case i == len(row)-1:
				out.WriteString(cell + "\n")
			case i == 5: // day total, right-aligned
				fmt.Fprintf(&out, "%*s  ", widths[i], cell)
			default:
				fmt.Fprintf(&out, "%-*s  ", widths[i], cell)
			}
		}
	}
	fmt.Fprintf(&out, "%d alerts\n", len(alerts))
	_, err := io.WriteString(w, out.String())
	return err
}
