package identity

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// NormalizePhone returns the digits of a phone number: everything but the
// digits is dropped ("+1 (555) 010-0199" is "15550100199"), fullwidth
// digits count as digits, and the number ends at the first letter after a
// digit, so an extension ("x12", "ext. 12") is not part of it. An 11-digit
// number that starts with 1, the United States country code, loses it
// ("5550100199"). Other country codes are kept as written.
func NormalizePhone(s string) string {
	var out [32]byte
	dst := out[:0]
	for _, r := range s {
		switch {
		case '0' <= r && r <= '9':
			dst = append(dst, byte(r))
		case '\uFF10' <= r && r <= '\uFF19':
			dst = append(dst, byte('0'+r-'\uFF10'))
		case len(dst) > 0 && unicode.IsLetter(r):
			return phoneText(dst)
		}
	}
	return phoneText(dst)
}

// phoneText drops the US country code from an 11-digit number.
func phoneText(digits []byte) string {
	if len(digits) == 11 && digits[0] == '1' {
		digits = digits[1:]
	}
	return string(digits)
}

// NormalizeEmail returns the e-mail address trimmed and lower case. For
// Gmail, whose addresses ignore dots and "+tags" in the local part and
// whose googlemail.com domain is gmail.com, those are removed and the
// domain is gmail.com ("J.Smith+shop@GoogleMail.com" is
// "jsmith@gmail.com"). Other providers' local parts are kept as written.
func NormalizeEmail(s string) string {
	s = strings.TrimSpace(s)
	at := strings.LastIndexByte(s, '@')
	if at < 0 {
		return lowerString(s)
	}
	local, domain := s[:at], strings.TrimSuffix(s[at+1:], ".")
	if !strings.EqualFold(domain, "gmail.com") && !strings.EqualFold(domain, "googlemail.com") {
		var b strings.Builder
		b.Grow(len(local) + 1 + len(domain))
		writeLower(&b, local)
		b.WriteByte('@')
		writeLower(&b, domain)
		return b.String()
	}
	if plus := strings.IndexByte(local, '+'); plus >= 0 {
		local = local[:plus]
	}
	var b strings.Builder
	b.Grow(len(local) + len("@gmail.com"))
	for local != "" {
		dot := strings.IndexByte(local, '.')
		if dot < 0 {
			writeLower(&b, local)
			break
		}
		writeLower(&b, local[:dot])
		local = local[dot+1:]
	}
	b.WriteString("@gmail.com")
	return b.String()
}

// lowerString returns s lower case, allocating only the result.
func lowerString(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	writeLower(&b, s)
	return b.String()
}

// writeLower writes s lower case: ASCII by byte, other runes by
// unicode.ToLower; invalid bytes are written as they are.
func writeLower(b *strings.Builder, s string) {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			b.WriteByte(c)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteByte(c)
		} else {
			b.WriteRune(unicode.ToLower(r))
		}
		i += size
	}
}
