package process

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/s321/s321/internal/event"
	"github.com/s321/s321/internal/fx"
	"github.com/s321/s321/internal/manifest"
	"github.com/s321/s321/internal/window"
)

// A message the processor cannot decide is rejected with an error that
// keeps its kind to the edge of the batch: encode classifies it once
// (rejectClass, the class of s321_rejected_by_class_total) and writes its
// text once, into the DLQ record. The text can be reworded without
// touching the metrics.
//
// Besides *manifest.FieldError (Decode's), the kinds are the ones below.
// None is exported: nothing outside the package receives them, since a
// rejection leaves the processor as text (Output.Rejection, rejected.v1).
// Each names the manifest field at fault (fieldNamer).

// fieldNamer is a rejection that names the manifest field at fault, the
// way manifest.FieldError's Field does.
type fieldNamer interface {
	error
	field() string
}

// sizeError rejects a message larger than --max-message-bytes, undecoded.
type sizeError struct{ size, limit int }

func (e *sizeError) field() string { return "message" }

func (e *sizeError) Error() string {
	return fmt.Sprintf("message: %d bytes is over the %d-byte limit", e.size, e.limit)
}

// noRegimeError rejects a parcel arriving when no regime of the live
// table (or of the what-if table, when shadow) is in force.
type noRegimeError struct {
	arrival time.Time
	shadow  bool
}

func (e *noRegimeError) field() string { return "arrival_time" }

func (e *noRegimeError) Error() string {
	table := ""
	if e.shadow {
		table = "shadow "
	}
	return "arrival_time: no " + table + "regime in force at " + event.FormatTime(e.arrival)
}

// rateError rejects a parcel with an item in a currency that has no rate
// on the date it converts at: the date of exportation when exportDate,
// else the entry date. It wraps fx's error.
type rateError struct {
	item       int // the item's index
	err        *fx.NoRateError
	exportDate bool
	noRates    bool // no rates are configured at all
}

func (e *rateError) field() string { return "items[" + strconv.Itoa(e.item) + "].currency" }

func (e *rateError) Error() string {
	text := e.field() + ": " + e.err.Error()
	if e.exportDate {
		text += ", the export_date"
	}
	if e.noRates {
		text += " (no exchange rates are configured: --fx-rates)"
	}
	return text
}

func (e *rateError) Unwrap() error { return e.err }

// valueError rejects a parcel whose value in dollars does not fit in
// cents (money.Cents). It wraps money's error.
type valueError struct{ err error }

func (e *valueError) field() string { return "items" }

func (e *valueError) Error() string { return "items: parcel value " + e.err.Error() }

func (e *valueError) Unwrap() error { return e.err }

// refusedError rejects an amend or cancel the counting rules refused: the
// window.Status of its recipient's day, other than StatusOK and
// StatusOverflow.
type refusedError struct {
	status    window.Status
	kind      manifest.Type
	parcelID  string
	entryDate string
}

func (e *refusedError) field() string {
	switch e.status {
	case window.StatusSameEvent:
		return "event_id"
	case window.StatusOtherCarrier:
		return "carrier"
	}
	return "parcel_id"
}

func (e *refusedError) Error() string {
	switch e.status {
	case window.StatusUnknown:
		return "parcel_id: no parcel " + e.parcelID + " was counted for this recipient on " + e.entryDate + " to " + string(e.kind)
	case window.StatusCancelled:
		return "parcel_id: parcel " + e.parcelID + " is cancelled already"
	case window.StatusSameEvent:
		return "event_id: an " + string(e.kind) + " needs an event_id of its own, not the one of the decision it replaces"
	case window.StatusOtherCarrier:
		return "carrier: an " + string(e.kind) + " must come from the carrier that sent parcel " + e.parcelID
	}
	return e.field() + ": refused (" + string(e.status) + ")"
}

// amendOrCancel reports whether the refusal is counted as amend_cancel:
// the event found nothing it may change. A parcel from another carrier is
// counted by its field, carrier.
func (e *refusedError) amendOrCancel() bool {
	switch e.status {
	case window.StatusUnknown:
		return e.kind != manifest.TypeParcel
	case window.StatusCancelled, window.StatusSameEvent:
		return true
	}
	return false
}

// overflowError rejects a parcel that would take its recipient's day
// total past what int64 cents hold (window.StatusOverflow).
type overflowError struct{ entryDate string }

func (e *overflowError) field() string { return "items" }

func (e *overflowError) Error() string {
	return "items: the recipient's total for " + e.entryDate + " would exceed the largest amount the processor represents (92,233,720,368,547,758.07)"
}

// refusal is the rejection of a counted event whose recipient's day
// answered status, other than StatusOK. err is a status the counting
// rules do not give.
func refusal(status window.Status, pc *parcel) (rejection, err error) {
	switch status {
	case window.StatusUnknown, window.StatusCancelled, window.StatusSameEvent, window.StatusOtherCarrier:
		return &refusedError{status: status, kind: pc.m.Type, parcelID: pc.m.ParcelID, entryDate: pc.date}, nil
	case window.StatusOverflow:
		return &overflowError{entryDate: pc.date}, nil
	}
	return nil, fmt.Errorf("day total: unknown status %q", status)
}

// The classes of rejectClasses that are not a field's.
const (
	classMessageSize = iota
	classMessageEncoding
	classExchangeRate
	classAmendCancel
	classOther = len(rejectClasses) - 1
)

// rejectClass is the class a rejection is counted by, from its kind
// alone, never its text: the message's size, an exchange rate, an amend
// or cancel with nothing to change, or else the field at fault.
func rejectClass(err error) int {
	var size *sizeError
	var noRate *fx.NoRateError
	var refused *refusedError
	switch {
	case errors.As(err, &size):
		return classMessageSize
	case errors.As(err, &noRate):
		return classExchangeRate
	case errors.As(err, &refused) && refused.amendOrCancel():
		return classAmendCancel
	}
	var named fieldNamer
	if errors.As(err, &named) {
		return fieldClass(named.field())
	}
	var invalid *manifest.FieldError
	if errors.As(err, &invalid) {
		return fieldClass(invalid.Field)
	}
	return classOther
}

// fieldClass is the class of a field's rejection: the message as a whole
// (its encoding), or the field's top-level member when it has a class of
// its own.
func fieldClass(field string) int {
	if field == "message" {
		return classMessageEncoding
	}
	root := field
	if i := strings.IndexAny(root, ".["); i >= 0 {
		root = root[:i]
	}
	for i := classAmendCancel + 1; i < classOther; i++ {
		if rejectClasses[i] == root {
			return i
		}
	}
	return classOther
}
