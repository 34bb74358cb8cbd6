// Package termsafe makes text from the input safe to print on a terminal:
// a carrier name, a parcel id or an error message quoting a manifest could
// otherwise carry escape sequences that move the cursor, rewrite what was
// printed before, set the window title or, on some terminals, answer back
// with keystrokes.
//
// It escapes control characters (C0, DEL and C1) as \u00XX, which reads
// plainly and keeps JSON valid, and replaces bytes that are not UTF-8. It
// does not quote, wrap or otherwise change printable text.
package termsafe

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Line escapes every control character of s, newlines and tabs included:
// for a value printed inside a line, which must not start another.
func Line(s string) string { return escape(s, false) }

// Text escapes the control characters of s except newlines and tabs: for
// text whose lines are its own (an error message, a summary).
func Text(s string) string { return escape(s, true) }

func escape(s string, keepLines bool) string {
	if isSafe(s, keepLines) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteRune(utf8.RuneError)
		case keepLines && (r == '\n' || r == '\t'):
			b.WriteRune(r)
		case isControl(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

func isControl(r rune) bool { return r < 0x20 || (r >= 0x7f && r <= 0x9f) }

func isSafe(s string, keepLines bool) bool {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || (isControl(r) && !(keepLines && (r == '\n' || r == '\t'))) {
			return false
		}
		i += size
	}
	return true
}

// Writer escapes what is written through it as Text does, before writing
// it to the underlying writer.
type Writer struct {
	w io.Writer
	// partial holds the first bytes of a rune cut by the end of a Write.
	partial []byte
}

// NewWriter returns a Writer writing to w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

// Write escapes p and writes it. It reports len(p) written when the
// escaped text was written whole.
func (t *Writer) Write(p []byte) (int, error) {
	data := append(t.partial, p...)
	t.partial = nil
	// Keep a rune cut at the end for the next Write.
	if cut := incompleteTail(data); cut > 0 {
		t.partial = append([]byte(nil), data[len(data)-cut:]...)
		data = data[:len(data)-cut]
	}
	if _, err := io.WriteString(t.w, Text(string(data))); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Flush writes what is left of a cut rune, escaped.
func (t *Writer) Flush() error {
	if len(t.partial) == 0 {
		return nil
	}
	_, err := io.WriteString(t.w, Text(string(t.partial)))
	t.partial = nil
	return err
}

// incompleteTail is how many bytes at the end of data start a UTF-8
// sequence that the data does not finish.
func incompleteTail(data []byte) int {
	for n := 1; n <= 3 && n <= len(data); n++ {
		b := data[len(data)-n]
		if b < 0x80 {
			return 0
		}
		if utf8.RuneStart(b) {
			if !utf8.FullRune(data[len(data)-n:]) {
				return n
			}
			return 0
		}
	}
	return 0
}
