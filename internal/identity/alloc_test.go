//go:build !race

package identity

import "testing"

// TestAllocations checks that each function allocates only its result:
// the normalizers and Key build everything else on the stack or in pooled
// state. The race detector allocates on its own, hence the build tag.
func TestAllocations(t *testing.T) {
	k := testKeyer(t)
	tests := []struct {
		name string
		run  func()
	}{
		{"NormalizeName", func() { sink = NormalizeName(typical.Name) }},
		{"NormalizeAddress", func() { sink = NormalizeAddress(typical.AddressLine1, typical.AddressLine2) }},
		{"NormalizePostalCode", func() { sink = NormalizePostalCode(typical.PostalCode, typical.Country) }},
		{"NormalizeCountry", func() { sink = NormalizeCountry("United States") }},
		{"NormalizePhone", func() { sink = NormalizePhone("+1 (555) 010-0199") }},
		{"NormalizeEmail", func() { sink = NormalizeEmail("J.Smith+shop@GoogleMail.com") }},
		{"Identity", func() { sink = Identity(typical) }},
		{"Key", func() { sink = k.Key(typical) }},
		{"AddressKey", func() { sink = k.AddressKey(typical) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if allocs := testing.AllocsPerRun(100, tc.run); allocs > 1 {
				t.Errorf("%s: %v allocations per call, want at most 1 (its result)", tc.name, allocs)
			}
		})
	}
}
