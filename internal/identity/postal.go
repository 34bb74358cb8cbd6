package identity

import "strings"

// DefaultCountry is the country of a recipient whose country is empty.
const DefaultCountry = "US"

// NormalizeCountry returns the country as upper-case letters: an empty
// country is DefaultCountry, and the usual spellings of the United States
// ("USA", "United States", "U.S.A.") are "US". Any other value is kept,
// folded, letters and digits only; it is not checked against ISO 3166.
func NormalizeCountry(s string) string {
	var out [32]byte
	return string(appendCountry(out[:0], s))
}

// appendCountry appends the normalized country to dst.
func appendCountry(dst []byte, s string) []byte {
	base := len(dst)
	dst = appendFold(dst, base, s, foldCode)
	if len(dst) == base {
		return append(dst, DefaultCountry...)
	}
	if us, ok := countryAliases[string(dst[base:])]; ok {
		return append(dst[:base], us...)
	}
	return dst
}

// NormalizePostalCode returns the canonical postal code. For the United
// States and the territories that use its ZIP codes (country as
// NormalizeCountry returns it, empty meaning US) it is the five-digit ZIP:
// ZIP+4 folds to its first five digits ("12345-6789", "12345 6789" and
// "123456789" are all "12345"), and a ZIP that lost its leading zeros to a
// spreadsheet (three or four digits, "2134" or "2134-1234") is padded back
// ("02134"). Any other code, and a US code that fits none of those shapes,
// is folded to upper-case letters and digits, with spaces, dashes and other
// punctuation removed ("sw1a 1aa" is "SW1A1AA").
func NormalizePostalCode(code, country string) string {
	var out [32]byte
	return string(appendPostalCode(out[:0], code, country))
}

// appendPostalCode appends the normalized postal code to dst.
func appendPostalCode(dst []byte, code, country string) []byte {
	var countryArr [32]byte
	if zipCountries[string(appendCountry(countryArr[:0], country))] {
		if zip, ok := zip5(code); ok {
			return append(dst, zip[:]...)
		}
	}
	return appendFold(dst, len(dst), code, foldCode)
}

// zip5 returns the five-digit ZIP in code, when code is a ZIP or a ZIP+4:
// digits, optionally followed by a separator (white space and at most one
// dash) and the four digits of the +4 part.
func zip5(code string) ([5]byte, bool) {
	var zip [5]byte
	code = strings.TrimSpace(code)
	i := 0
	for i < len(code) && isDigit(code[i]) {
		i++
	}
	first, rest := code[:i], code[i:]
	j, dashes := 0, 0
	for j < len(rest) && (rest[j] == ' ' || rest[j] == '\t' || rest[j] == '-') {
		if rest[j] == '-' {
			dashes++
		}
		j++
	}
	second := rest[j:]
	for k := 0; k < len(second); k++ {
		if !isDigit(second[k]) {
			return zip, false
		}
	}
	var digits string // the ZIP part, before padding
	switch {
	case dashes > 1:
		return zip, false
	case j == 0 && (len(first) == 5 || len(first) == 9):
		digits = first[:5]
	case j == 0 && (len(first) == 3 || len(first) == 4):
		digits = first
	case j == 0 && (len(first) == 7 || len(first) == 8):
		digits = first[:len(first)-4]
	case j > 0 && len(second) == 4 && len(first) >= 3 && len(first) <= 5:
		digits = first
	default:
		return zip, false
	}
	pad := 5 - len(digits)
	for k := range pad {
		zip[k] = '0'
	}
	copy(zip[pad:], digits)
	return zip, true
}
