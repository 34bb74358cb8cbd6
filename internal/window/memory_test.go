package window

import (
	"strings"
	"testing"
)

// TestSubjectKeyEncodesOnlyWhatItCanTellApart: a subject key is encoded
// as bytes only when it is 64 lowercase hex characters and its date is
// YYYY-MM-DD, so that two different subjects never share a memKey; the
// others go to the map keyed by strings.
func TestSubjectKeyEncodesOnlyWhatItCanTellApart(t *testing.T) {
	hexKey := strings.Repeat("0123456789abcdef", 4)
	tests := []struct {
		name          string
		scope         Scope
		subject, date string
		ok            bool
	}{
		{"a recipient's day", ScopeRecipientDay, hexKey, "2025-08-25", true},
		{"an order, whatever its date", ScopeOrder, hexKey, "", true},
		{"uppercase hex", ScopeRecipientDay, strings.ToUpper(hexKey), "2025-08-25", false},
		{"short", ScopeRecipientDay, hexKey[:62], "2025-08-25", false},
		{"not hex", ScopeAddressDay, hexKey[:63] + "g", "2025-08-25", false},
		{"a test's name", ScopeRecipientDay, "rk1", "2025-08-25", false},
		{"no date", ScopeRecipientDay, hexKey, "", false},
		{"a date of zeros", ScopeRecipientDay, hexKey, "0000-00-00", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			key, ok := subjectKey(tc.scope, tc.subject, tc.date)
			if ok != tc.ok {
				t.Fatalf("ok %v, want %v", ok, tc.ok)
			}
			if ok && tc.scope == ScopeRecipientDay && (key.date != 20250825 || key.subject[0] != 0x01 || key.subject[31] != 0xef) {
				t.Errorf("key %+v", key)
			}
		})
	}
	a, _ := subjectKey(ScopeOrder, hexKey, "2025-08-25")
	b, _ := subjectKey(ScopeOrder, hexKey, "2025-08-26")
	c, _ := subjectKey(ScopeRecipientDay, hexKey, "2025-08-26")
	d, _ := subjectKey(ScopeAddressDay, hexKey, "2025-08-26")
	if a != b || b == c || c == d {
		t.Errorf("an order's key must not depend on its date, and scopes must differ: %v %v %v %v", a == b, b == c, c == d, a)
	}
}
