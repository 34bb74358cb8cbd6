package identity

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// foldMode says how the folder treats the characters whose meaning depends
// on the field.
type foldMode uint8

const (
	// foldName: '#' and hyphens separate words.
	foldName foldMode = iota
	// foldAddress: '#' is a word of its own; a hyphen next to a digit joins
	// ("4-B" is "4B", "123-45" is "12345"), any other hyphen separates.
	foldAddress
	// foldCode: only letters and digits are kept, nothing separates
	// (postal codes, countries).
	foldCode
)

// appendFold appends s to dst folded: letters upper case, Latin letters
// folded to ASCII (accents dropped, ß to SS, Æ to AE, ...), digits kept,
// apostrophes dropped, anything else a word separator. Words are separated
// by exactly one space; dst[:base] is left alone and a separator is never
// written right after base. A trailing space may remain: trimSpace removes
// it once every input is folded.
func appendFold(dst []byte, base int, s string, mode foldMode) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '-':
				dst = appendHyphen(dst, base, s, i+1, mode)
			case c == '\'' || c == '`':
				// O'Brien is OBRIEN: an apostrophe joins.
			case c == '#' && mode == foldAddress:
				dst = appendSep(dst, base, mode)
				dst = append(dst, '#')
				dst = appendSep(dst, base, mode)
			default:
				dst = appendASCII(dst, base, c, mode)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = appendSep(dst, base, mode)
		case isApostrophe(r):
		case isDash(r):
			dst = appendHyphen(dst, base, s, i+size, mode)
		default:
			dst = appendRune(dst, base, r, s[i:i+size], mode)
		}
		i += size
	}
	return dst
}

// appendASCII appends one ASCII byte: letters upper case, digits as they
// are, anything else a separator.
func appendASCII(dst []byte, base int, c byte, mode foldMode) []byte {
	switch {
	case 'a' <= c && c <= 'z':
		return append(dst, c-'a'+'A')
	case 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return append(dst, c)
	}
	return appendSep(dst, base, mode)
}

// appendSep ends the current word: one space, never two, never first.
func appendSep(dst []byte, base int, mode foldMode) []byte {
	if mode == foldCode || len(dst) == base || dst[len(dst)-1] == ' ' {
		return dst
	}
	return append(dst, ' ')
}

// appendHyphen handles a hyphen whose next input byte is s[next]. In
// addresses a hyphen between a letter or digit and a letter or digit, one
// of them a digit, joins ("4-B", "B-4", "123-45"); every other hyphen
// separates.
func appendHyphen(dst []byte, base int, s string, next int, mode foldMode) []byte {
	if mode == foldAddress && len(dst) > base && next < len(s) {
		prev, after := dst[len(dst)-1], s[next]
		if isAlnum(prev) && isAlnum(after) && (isDigit(prev) || isDigit(after)) {
			return dst
		}
	}
	return appendSep(dst, base, mode)
}

// appendRune appends one non-ASCII rune r, whose UTF-8 text is enc.
func appendRune(dst []byte, base int, r rune, enc string, mode foldMode) []byte {
	if folded := latinFold(r); folded != "" {
		return append(dst, folded...)
	}
	if d := norm.NFKD.PropertiesString(enc).Decomposition(); len(d) > 0 {
		// The compatibility decomposition is complete: a base followed by
		// combining marks ("é" is "e" + U+0301), or a compatibility form
		// ("ﬁ" is "fi", "１" is "1", no-break space is a space).
		for j := 0; j < len(d); {
			dr, n := utf8.DecodeRune(d[j:])
			j += n
			if dr < utf8.RuneSelf {
				dst = appendASCII(dst, base, byte(dr), mode)
				continue
			}
			dst = appendOther(dst, base, dr, mode)
		}
		return dst
	}
	return appendOther(dst, base, r, mode)
}

// appendOther appends a non-ASCII rune that has no decomposition. A
// combining mark after an ASCII letter is an accent on a Latin letter and is
// dropped; other marks stay, so scripts that spell with marks keep their
// distinctions. Other letters and numbers are kept, upper case; anything
// else separates.
func appendOther(dst []byte, base int, r rune, mode foldMode) []byte {
	if folded := latinFold(r); folded != "" {
		return append(dst, folded...)
	}
	if isApostrophe(r) {
		return dst
	}
	if unicode.Is(unicode.Mn, r) {
		if len(dst) > base && isUpperASCII(dst[len(dst)-1]) {
			return dst
		}
		return utf8.AppendRune(dst, r)
	}
	if unicode.IsLetter(r) || unicode.IsNumber(r) {
		return utf8.AppendRune(dst, unicode.ToUpper(r))
	}
	return appendSep(dst, base, mode)
}

// latinFold returns the ASCII spelling of the Latin letters that Unicode
// does not decompose, or "".
func latinFold(r rune) string {
	switch r {
	case 'ß', 'ẞ':
		return "SS"
	case 'Æ', 'æ':
		return "AE"
	case 'Œ', 'œ':
		return "OE"
	case 'Ø', 'ø':
		return "O"
	case 'Ł', 'ł':
		return "L"
	case 'Đ', 'đ', 'Ð', 'ð':
		return "D"
	case 'Þ', 'þ':
		return "TH"
	case 'Ħ', 'ħ':
		return "H"
	case 'ı':
		return "I"
	}
	return ""
}

// isApostrophe reports the apostrophe-like runes that join like '.
func isApostrophe(r rune) bool {
	switch r {
	case '\u2018', '\u2019', '\u02BC', '\u00B4', '\u2032':
		return true
	}
	return false
}

// isDash reports the dash-like runes that act like '-'.
func isDash(r rune) bool {
	return ('\u2010' <= r && r <= '\u2015') || r == '\u2212' || r == '\uFE63' || r == '\uFF0D'
}

// trimSpace drops the trailing separator appendFold may leave after base.
func trimSpace(dst []byte, base int) []byte {
	if len(dst) > base && dst[len(dst)-1] == ' ' {
		return dst[:len(dst)-1]
	}
	return dst
}

func isDigit(c byte) bool      { return '0' <= c && c <= '9' }
func isUpperASCII(c byte) bool { return 'A' <= c && c <= 'Z' }
func isAlnum(c byte) bool      { return isDigit(c) || isUpperASCII(c) || ('a' <= c && c <= 'z') }

// span is a word: buf[start:end] of the buffer it was cut from. An empty
// span is a dropped word.
type span struct{ start, end int32 }

// splitWords appends the space-separated words of buf[from:] to words.
func splitWords(words []span, buf []byte, from int) []span {
	start := from
	for i := from; i <= len(buf); i++ {
		if i == len(buf) || buf[i] == ' ' {
			if i > start {
				words = append(words, span{int32(start), int32(i)})
			}
			start = i + 1
		}
	}
	return words
}

// text returns the bytes of w in buf.
func text(buf []byte, w span) []byte { return buf[w.start:w.end] }

// replace appends repl to buf and returns the span that holds it: words
// always live in buf, so they compare and print the same way whether they
// were written or replaced.
func replace(buf []byte, repl string) ([]byte, span) {
	start := len(buf)
	buf = append(buf, repl...)
	return buf, span{int32(start), int32(len(buf))}
}

// appendWords appends the non-empty words of buf to dst, separated by one
// space.
func appendWords(dst []byte, buf []byte, words []span) []byte {
	first := true
	for _, w := range words {
		if w.start == w.end {
			continue
		}
		if !first {
			dst = append(dst, ' ')
		}
		first = false
		dst = append(dst, text(buf, w)...)
	}
	return dst
}
