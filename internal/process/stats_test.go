package process

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/s321/s321/internal/fx"
	"github.com/s321/s321/internal/manifest"
	"github.com/s321/s321/internal/window"
)

// rejections are one error of every kind a batch rejects with, the text
// the DLQ record carries for it, and the class it is counted by.
func rejections() []struct {
	err         error
	text, class string
} {
	parcelOf := func(kind manifest.Type) *parcel {
		return &parcel{m: &manifest.Manifest{Type: kind, ParcelID: "P-9"}, date: "2024-05-01"}
	}
	refused := func(status window.Status, kind manifest.Type) error {
		rejection, err := refusal(status, parcelOf(kind))
		if err != nil {
			panic(err)
		}
		return rejection
	}
	noRate := &fx.NoRateError{Currency: "EUR", Date: "2024-01-01"}
	return []struct {
		err         error
		text, class string
	}{
		{&sizeError{size: 3145728, limit: 1048576}, "message: 3145728 bytes is over the 1048576-byte limit", "message_size"},
		{&manifest.FieldError{Field: "message", Rule: "must be valid UTF-8"}, "message: must be valid UTF-8", "message_encoding"},
		{&rateError{item: 0, err: noRate}, "items[0].currency: no EUR exchange rate in force on 2024-01-01", "exchange_rate"},
		{&rateError{item: 2, err: noRate, exportDate: true, noRates: true},
			"items[2].currency: no EUR exchange rate in force on 2024-01-01, the export_date (no exchange rates are configured: --fx-rates)", "exchange_rate"},
		{refused(window.StatusUnknown, manifest.TypeCancel), "parcel_id: no parcel P-9 was counted for this recipient on 2024-05-01 to cancel", "amend_cancel"},
		{refused(window.StatusUnknown, manifest.TypeAmend), "parcel_id: no parcel P-9 was counted for this recipient on 2024-05-01 to amend", "amend_cancel"},
		{refused(window.StatusCancelled, manifest.TypeCancel), "parcel_id: parcel P-9 is cancelled already", "amend_cancel"},
		{refused(window.StatusSameEvent, manifest.TypeAmend), "event_id: an amend needs an event_id of its own, not the one of the decision it replaces", "amend_cancel"},
		{refused(window.StatusOtherCarrier, manifest.TypeAmend), "carrier: an amend must come from the carrier that sent parcel P-9", "carrier"},
		{refused(window.StatusOverflow, manifest.TypeParcel),
			"items: the recipient's total for 2024-05-01 would exceed the largest amount the processor represents (92,233,720,368,547,758.07)", "items"},
		{&valueError{err: errors.New("1.001 has more than 2 decimal places")}, "items: parcel value 1.001 has more than 2 decimal places", "items"},
		{&noRegimeError{arrival: time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)}, "arrival_time: no regime in force at 1900-01-01T00:00:00.000Z", "arrival_time"},
		{&noRegimeError{arrival: time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC), shadow: true}, "arrival_time: no shadow regime in force at 1900-01-01T00:00:00.000Z", "arrival_time"},
		{&manifest.FieldError{Field: "items[3].value", Rule: "must not be negative"}, "items[3].value: must not be negative", "items"},
		{&manifest.FieldError{Field: "items[0].currency", Rule: "must be a three-letter currency code"}, "items[0].currency: must be a three-letter currency code", "items"},
		{&manifest.FieldError{Field: "recipient.postal_code", Rule: "is required"}, "recipient.postal_code: is required", "recipient"},
		{&manifest.FieldError{Field: "carrier", Rule: "is required"}, "carrier: is required", "carrier"},
		{&manifest.FieldError{Field: "gift", Rule: "must be a boolean"}, "gift: must be a boolean", "other"},
		{errors.New("items: not a rejection of the processor's"), "items: not a rejection of the processor's", "other"},
	}
}

func TestRejectionsKeepTheirTextAndClass(t *testing.T) {
	for _, tc := range rejections() {
		t.Run(tc.text, func(t *testing.T) {
			if got := tc.err.Error(); got != tc.text {
				t.Errorf("text %q, want %q (the DLQ's error)", got, tc.text)
			}
			if got := rejectClasses[rejectClass(tc.err)]; got != tc.class {
				t.Errorf("class %s, want %s", got, tc.class)
			}
		})
	}
}

// reworded is a rejection told in other words.
type reworded struct{ err error }

func (r reworded) Error() string {
	return "rejected: " + fmt.Sprint(len(r.err.Error())) + " characters of reasons"
}
func (r reworded) Unwrap() error { return r.err }

// Regression: the class was recovered by searching the rejection's text,
// so rewording a message moved it to another class of
// s321_rejected_by_class_total without a test failing. The class now
// comes from the error's kind alone.
func TestRejectClassDoesNotReadTheText(t *testing.T) {
	for _, tc := range rejections() {
		if tc.class == "other" {
			continue // other words are as much "other"
		}
		t.Run(tc.text, func(t *testing.T) {
			for _, err := range []error{reworded{tc.err}, fmt.Errorf("batch 7: %w", tc.err)} {
				if got := rejectClasses[rejectClass(err)]; got != tc.class {
					t.Errorf("%q: class %s, want %s", err, got, tc.class)
				}
			}
		})
	}
}

func TestEveryStatusButOKRejects(t *testing.T) {
	pc := &parcel{m: &manifest.Manifest{Type: manifest.TypeAmend, ParcelID: "P-1"}, date: "2024-05-01"}
	for _, status := range []window.Status{window.StatusUnknown, window.StatusCancelled, window.StatusSameEvent, window.StatusOtherCarrier, window.StatusOverflow} {
		if rejection, err := refusal(status, pc); rejection == nil || err != nil {
			t.Errorf("%s: rejection %v, error %v; want a rejection", status, rejection, err)
		}
	}
	if rejection, err := refusal("new_status", pc); rejection != nil || err == nil {
		t.Errorf("an unknown status: rejection %v, error %v; want the batch to fail", rejection, err)
	}
}
