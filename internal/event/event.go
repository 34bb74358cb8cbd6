// Package event defines the processor's output messages, version 1 of the
// wire contract (docs/events.md): decision.v1, alert.v1 and rejected.v1,
// and the deterministic ids they carry.
//
// It owns the JSON shape, a compact form of a decision that writes back
// the same JSON (what is kept for explanations: AppendCompact), and the
// texts an alert is built with (its reason sentence, id and Kafka key:
// NewSplitShipment and the others). It does
// not decide or count anything, and it never holds a recipient's name or
// address: recipients appear as their keyed hash. Only Rejected carries a
// raw message, for the DLQ.
package event

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"time"
	"unicode/utf8"
)

// Schema names written in every message's "schema" field.
const (
	SchemaDecision = "decision.v1"
	SchemaAlert    = "alert.v1"
	SchemaRejected = "rejected.v1"
)

// Alert types.
const (
	// AlertSplitShipment: parcels of one recipient and day, at least one
	// within the threshold alone, add up to more than it.
	AlertSplitShipment = "split_shipment"
	// AlertSplitOrder: parcels sharing an order (across recipients,
	// carriers and days) add up to more than the threshold.
	AlertSplitOrder = "split_order"
	// AlertAddressCluster: several distinct recipient names at one address
	// on one day add up to more than the threshold.
	AlertAddressCluster = "address_cluster"
)

// TimeFormat writes instants in UTC with milliseconds, as in the contract.
const TimeFormat = "2006-01-02T15:04:05.000Z07:00"

// Source says where an input message was read.
type Source struct {
	Topic     string `json:"topic"`
	Partition int    `json:"partition"`
	Offset    int64  `json:"offset"`
}

// Decision is a decision.v1 message.
type Decision struct {
	Schema            string   `json:"schema"`
	DecisionID        string   `json:"decision_id"`
	EventID           string   `json:"event_id"`
	ParcelID          string   `json:"parcel_id"`
	Carrier           string   `json:"carrier"`
	Mode              string   `json:"mode"`
	ArrivalTime       string   `json:"arrival_time"`
	EntryDate         string   `json:"entry_date"`
	Decision          string   `json:"decision"`
	Reasons           []string `json:"reasons"`
	Regime            string   `json:"regime"`
	Threshold         *string  `json:"threshold"`
	ParcelValue       string   `json:"parcel_value"`
	RecipientKey      string   `json:"recipient_key"`
	RecipientDayTotal string   `json:"recipient_day_total"`
	EntryType         string   `json:"entry_type"`
	Source            Source   `json:"source"`
	DecidedAt         string   `json:"decided_at"`
	// Additions within v1.
	Exemption      *string           `json:"exemption"`
	RegimeVersion  string            `json:"regime_version"`
	DeclaredValues map[string]string `json:"declared_values"`
	// Supersedes is, for an amend or cancel, the decision_id it replaces.
	Supersedes *string `json:"supersedes,omitempty"`
	// Shadow is the what-if evaluation against --shadow-regimes.
	Shadow *Shadow `json:"shadow,omitempty"`
}

// Shadow is a decision made a second time against another regime table,
// with its own day totals. It never changes the live decision.
type Shadow struct {
	Regime            string   `json:"regime"`
	Decision          string   `json:"decision"`
	Reasons           []string `json:"reasons"`
	RecipientDayTotal string   `json:"recipient_day_total"`
	RegimeVersion     string   `json:"regime_version"`
}

// DecisionCancelled is the decision of a cancel event.
const DecisionCancelled = "cancelled"

// Alert is an alert.v1 message.
type Alert struct {
	Schema       string  `json:"schema"`
	AlertID      string  `json:"alert_id"`
	Type         string  `json:"type"`
	RecipientKey string  `json:"recipient_key"`
	EntryDate    string  `json:"entry_date"`
	Regime       string  `json:"regime"`
	Threshold    *string `json:"threshold"`
	DayTotal     string  `json:"day_total"`
	// ParcelIDs are the subject's first parcels in evaluation order, at
	// most 1,000; Carriers their distinct carriers, sorted, at most 100;
	// ParcelCount the number of parcels counted so far, also beyond 1,000
	// (EVENTS.md, "Bounded alerts").
	ParcelIDs       []string `json:"parcel_ids"`
	Carriers        []string `json:"carriers"`
	ParcelCount     int64    `json:"parcel_count"`
	TriggerParcelID string   `json:"trigger_parcel_id"`
	Version         int64    `json:"version"`
	RaisedAt        string   `json:"raised_at"`
	// Reason is a sentence a person can read (an addition within v1).
	Reason string `json:"reason"`
	// SubjectKey is what the alert is about, hashed: the recipient key
	// (split_shipment), the order key (split_order) or the address key
	// (address_cluster). An addition within v1.
	SubjectKey string `json:"subject_key"`
}

// Rejected is a rejected.v1 message: the one output that holds the input
// message whole, so it can be repaired and replayed.
type Rejected struct {
	Schema     string `json:"schema"`
	Error      string `json:"error"`
	Source     Source `json:"source"`
	Raw        string `json:"raw"`
	RawBase64  bool   `json:"raw_base64"`
	RejectedAt string `json:"rejected_at"`
	// RawTruncated says raw holds only the first part of a message too
	// large to copy whole (larger than --max-message-bytes, which the DLQ
	// topic must also accept); RawBytes is the original's size. The whole
	// message stays at source. Additions within v1.
	RawTruncated bool `json:"raw_truncated,omitempty"`
	RawBytes     int  `json:"raw_bytes,omitempty"`
}

// NewRejected wraps a message that could not be decided. A message longer
// than maxRaw bytes is copied only up to maxRaw (0: no limit), so that a
// message rejected for its size never makes a DLQ record the broker
// refuses, which would stop the partition.
func NewRejected(reason string, src Source, raw []byte, maxRaw int, now time.Time) Rejected {
	r := Rejected{Schema: SchemaRejected, Error: reason, Source: src, RejectedAt: FormatTime(now)}
	if maxRaw > 0 && len(raw) > maxRaw {
		r.RawTruncated, r.RawBytes = true, len(raw)
		cut := maxRaw
		// Keep valid UTF-8 text valid: cut before a split rune.
		for cut > 0 && cut > maxRaw-utf8.UTFMax && !utf8.RuneStart(raw[cut]) {
			cut--
		}
		raw = raw[:cut]
	}
	if utf8.Valid(raw) {
		r.Raw = string(raw)
	} else {
		r.Raw = base64.StdEncoding.EncodeToString(raw)
		r.RawBase64 = true
	}
	return r
}

// FormatTime writes an instant in UTC, with milliseconds.
func FormatTime(t time.Time) string {
	return t.UTC().Format(TimeFormat)
}

// DecisionID is the id of the decision for one input event: the same
// event always gets the same id, so consumers can drop redeliveries.
func DecisionID(eventID, parcelID string) string {
	return shortHash("decision.v1", eventID, parcelID)
}

// AlertID is the id of an alert of one type about one subject (a
// recipient key, say) on one entry date; its versions share it.
func AlertID(alertType, subject, entryDate string) string {
	return shortHash("alert.v1", alertType, subject, entryDate)
}

// shortHash is 128 bits of SHA-256 over the parts, NUL-separated, in hex.
// The parts are joined on the stack when short (they are ids and keys), so
// the hex string is the one allocation.
func shortHash(parts ...string) string {
	var joined [256]byte
	input := joined[:0]
	for _, p := range parts {
		input = append(input, p...)
		input = append(input, 0)
	}
	sum := sha256.Sum256(input)
	var text [32]byte
	hex.Encode(text[:], sum[:16])
	return string(text[:])
}
