package process

import "testing"

func TestRejectClass(t *testing.T) {
	tests := map[string]string{
		"message: 3145728 bytes is over the 1048576-byte limit":                              "message_size",
		"message: invalid JSON: unexpected end of input":                                     "message_encoding",
		"message: must be valid UTF-8":                                                       "message_encoding",
		"items[0].currency: no EUR exchange rate in force on 2024-01-01":                     "exchange_rate",
		"parcel_id: no parcel P-9 was counted for this recipient on 2024-05-01 to cancel":    "amend_cancel",
		"event_id: an amend needs an event_id of its own, not the one of the decision it...": "amend_cancel",
		"items[3].value: must not be negative":                                               "items",
		"recipient.postal_code: is required":                                                 "recipient",
		"arrival_time: no regime in force at 1900-01-01T00:00:00.000Z":                       "arrival_time",
		"carrier: is required":                                                               "carrier",
		"gift: must be a boolean":                                                            "other",
	}
	for reason, want := range tests {
		if got := rejectClasses[rejectClass(reason)]; got != want {
			t.Errorf("%q: class %s, want %s", reason, got, want)
		}
	}
}
