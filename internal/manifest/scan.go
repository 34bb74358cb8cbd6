package manifest

import (
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// maxDepth bounds how deeply arrays and objects may nest, so that an unknown
// member cannot exhaust the stack of the recursive skipper. No manifest
// needs more than four levels.
const maxDepth = 1000

// messageField is the Field of errors about the message as a whole.
const messageField = "message"

// jsonKind is the JSON type of a member's value.
type jsonKind uint8

const (
	kindAbsent jsonKind = iota // the member did not appear
	kindNull
	kindString
	kindNumber
	kindBool
	kindObject
	kindArray
)

// field is one member's value as read, before validation.
type field struct {
	kind jsonKind
	dup  bool   // the member appeared more than once
	text string // the decoded string, the number literal as written, or "true"/"false"
}

// scanner reads one JSON message. It assumes the input is valid UTF-8
// (Decode checks that first), so it only has to look at ASCII bytes.
type scanner struct {
	data []byte
	text string // string(data): strings without escapes are substrings of it, with no allocation
	pos  int    // the next byte to read
}

// syntaxError reports malformed JSON at the current position. It names the
// position, never the bytes found there.
func (s *scanner) syntaxError(what string) *FieldError {
	return &FieldError{Field: messageField, Rule: "invalid JSON: " + what + " at byte " + strconv.Itoa(s.pos)}
}

// unexpected reports that the byte at the current position, or the end of
// the input, cannot come next.
func (s *scanner) unexpected() *FieldError {
	if s.pos >= len(s.data) {
		return &FieldError{Field: messageField, Rule: "invalid JSON: unexpected end of input"}
	}
	return s.syntaxError("unexpected character")
}

func (s *scanner) skipSpace() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// peek skips white space and returns the next byte, or 0 at the end.
func (s *scanner) peek() byte {
	s.skipSpace()
	if s.pos < len(s.data) {
		return s.data[s.pos]
	}
	return 0
}

// end checks that nothing but white space follows the top-level value.
func (s *scanner) end() *FieldError {
	s.skipSpace()
	if s.pos < len(s.data) {
		return s.syntaxError("unexpected data after the top-level value")
	}
	return nil
}

// readValue reads any value at the current position. level is the nesting
// level the value would have if it is an array or an object (the top-level
// object is level 1); arrays and objects are checked and skipped, and only
// their kind is returned.
func (s *scanner) readValue(level int) (field, *FieldError) {
	switch c := s.peek(); {
	case c == '"':
		str, err := s.readString()
		return field{kind: kindString, text: str}, err
	case c == '-' || isDigit(c):
		num, err := s.readNumber()
		return field{kind: kindNumber, text: num}, err
	case c == 't':
		return field{kind: kindBool, text: "true"}, s.readLiteral("true")
	case c == 'f':
		return field{kind: kindBool, text: "false"}, s.readLiteral("false")
	case c == 'n':
		return field{kind: kindNull}, s.readLiteral("null")
	case c == '{':
		return field{kind: kindObject}, s.skipObject(level)
	case c == '[':
		return field{kind: kindArray}, s.skipArray(level)
	default:
		return field{}, s.unexpected()
	}
}

// readField reads the value of a known member into f, marking f repeated if
// the member was already seen (the first value is kept, and rejected later).
func (s *scanner) readField(f *field, level int) *FieldError {
	v, err := s.readValue(level)
	if err != nil {
		return err
	}
	if f.kind != kindAbsent {
		f.dup = true
		return nil
	}
	*f = v
	return nil
}

func (s *scanner) tooDeep() *FieldError {
	return &FieldError{Field: messageField, Rule: "must not nest deeper than " + strconv.Itoa(maxDepth) + " levels"}
}

// skipObject checks and skips the object at the current position.
func (s *scanner) skipObject(level int) *FieldError {
	if level > maxDepth {
		return s.tooDeep()
	}
	s.pos++ // '{'
	for first := true; ; {
		_, more, err := s.nextMember(&first)
		if err != nil || !more {
			return err
		}
		if _, err := s.readValue(level + 1); err != nil {
			return err
		}
	}
}

// skipArray checks and skips the array at the current position.
func (s *scanner) skipArray(level int) *FieldError {
	if level > maxDepth {
		return s.tooDeep()
	}
	s.pos++ // '['
	for first := true; ; {
		more, err := s.nextElement(&first)
		if err != nil || !more {
			return err
		}
		if _, err := s.readValue(level + 1); err != nil {
			return err
		}
	}
}

// nextMember is called after an object's '{' and after each member's value.
// It consumes the separator and the next key with its ':', returning the
// decoded key, or more == false once it has consumed the closing '}'.
// first must start true and is kept by nextMember.
func (s *scanner) nextMember(first *bool) (key string, more bool, err *FieldError) {
	c := s.peek()
	if c == '}' {
		// '}' may follow '{' or a value; after a ',' the code below
		// demands a key instead.
		s.pos++
		return "", false, nil
	}
	if !*first {
		if c != ',' {
			return "", false, s.unexpected()
		}
		s.pos++
		c = s.peek()
	}
	*first = false
	if c != '"' {
		return "", false, s.unexpected()
	}
	if key, err = s.readString(); err != nil {
		return "", false, err
	}
	if s.peek() != ':' {
		return "", false, s.unexpected()
	}
	s.pos++
	return key, true, nil
}

// nextElement is called after an array's '[' and after each element. It
// consumes the separator and reports whether an element follows, or
// consumes the closing ']' and returns more == false.
func (s *scanner) nextElement(first *bool) (more bool, err *FieldError) {
	c := s.peek()
	if c == ']' {
		s.pos++
		return false, nil
	}
	if !*first {
		if c != ',' {
			return false, s.unexpected()
		}
		s.pos++ // readValue rejects a ']' after the ','
	}
	*first = false
	return true, nil
}

// stringSpecial marks the bytes that end the fast path of readString: the
// quote, the backslash, and the control characters JSON forbids in strings.
var stringSpecial = func() (table [256]bool) {
	for c := 0; c < 0x20; c++ {
		table[c] = true
	}
	table['"'] = true
	table['\\'] = true
	return table
}()

// readString reads the string whose opening quote is at the current
// position and returns it decoded.
func (s *scanner) readString() (string, *FieldError) {
	start := s.pos + 1
	for i := start; i < len(s.data); i++ {
		c := s.data[i]
		if !stringSpecial[c] {
			continue
		}
		switch {
		case c == '"':
			s.pos = i + 1
			return s.text[start:i], nil
		case c == '\\':
			return s.readEscapedString(start, i)
		default:
			s.pos = i
			return "", s.syntaxError("control character in string")
		}
	}
	s.pos = len(s.data)
	return "", s.unexpected()
}

// readEscapedString finishes readString for a string with an escape at i.
// Escapes decode as encoding/json decodes them: a \u escape that is half of
// a surrogate pair without its other half becomes U+FFFD.
func (s *scanner) readEscapedString(start, i int) (string, *FieldError) {
	buf := make([]byte, 0, i-start+16)
	buf = append(buf, s.data[start:i]...)
	for i < len(s.data) {
		c := s.data[i]
		switch {
		case c == '"':
			s.pos = i + 1
			return string(buf), nil
		case c < 0x20:
			s.pos = i
			return "", s.syntaxError("control character in string")
		case c != '\\':
			buf = append(buf, c)
			i++
			continue
		}
		if i+1 >= len(s.data) {
			s.pos = len(s.data)
			return "", s.unexpected()
		}
		switch esc := s.data[i+1]; esc {
		case '"', '\\', '/':
			buf = append(buf, esc)
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			r, ok := hex4(s.data[i+2:])
			if !ok {
				s.pos = i
				return "", s.syntaxError("invalid escape in string")
			}
			i += 6
			if utf16.IsSurrogate(r) {
				high := r
				r = utf8.RuneError
				if i+1 < len(s.data) && s.data[i] == '\\' && s.data[i+1] == 'u' {
					if low, ok := hex4(s.data[i+2:]); ok {
						if pair := utf16.DecodeRune(high, low); pair != utf8.RuneError {
							r = pair
							i += 6
						}
					}
				}
			}
			buf = utf8.AppendRune(buf, r)
			continue
		default:
			s.pos = i
			return "", s.syntaxError("invalid escape in string")
		}
		i += 2
	}
	s.pos = len(s.data)
	return "", s.unexpected()
}

// hex4 decodes four hex digits at the start of b.
func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// readNumber reads the JSON number at the current position and returns its
// literal as written; the caller decides what the literal may be.
func (s *scanner) readNumber() (string, *FieldError) {
	d := s.data
	start, i := s.pos, s.pos
	if i < len(d) && d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && '1' <= d[i] && d[i] <= '9':
		for i++; i < len(d) && isDigit(d[i]); i++ {
		}
	default:
		s.pos = i
		return "", s.unexpected()
	}
	if i < len(d) && d[i] == '.' {
		i++
		if i >= len(d) || !isDigit(d[i]) {
			s.pos = i
			return "", s.unexpected()
		}
		for i < len(d) && isDigit(d[i]) {
			i++
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if i >= len(d) || !isDigit(d[i]) {
			s.pos = i
			return "", s.unexpected()
		}
		for i < len(d) && isDigit(d[i]) {
			i++
		}
	}
	s.pos = i
	return s.text[start:i], nil
}

// readLiteral reads true, false or null.
func (s *scanner) readLiteral(lit string) *FieldError {
	for i := 0; i < len(lit); i++ {
		if s.pos >= len(s.data) || s.data[s.pos] != lit[i] {
			return s.unexpected()
		}
		s.pos++
	}
	return nil
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
