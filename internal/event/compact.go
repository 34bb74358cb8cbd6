package event

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
)

// The compact form of a decision is what the processor keeps of it for
// explanations, for --state-ttl, once per parcel: every field of Decision
// in field order, without the names, each string in as few bytes as the
// codec below gives it. AppendJSON of the decision read back writes the
// published JSON byte for byte, so the JSON itself need not be kept.
//
// The form begins with compactVersion. A change to the form gets a new
// version number and a new --key-prefix (docs/operations.md); a reader
// refuses a version it does not know.
//
// Strings are written as a header (a uvarint) and the bytes it announces.
// The header's low two bits say how to read it:
//
//	0  text: header>>2 bytes of it
//	1  lower-case hex of an even length: header>>2 bytes, written as hex
//	2  compactWords[header>>2]
//	3  no string (a nil *string, a nil slice or map)
//
// Ids and keys (decision_id, recipient_key, regime_version) are hex, and
// take half their length; the schema, decisions, reasons, entry types,
// modes and built-in regimes are words, and take one byte.

const compactVersion = 1

const (
	kindText = iota
	kindHex
	kindWord
	kindNone
)

// compactWords are the strings written as their index. The list is part
// of the stored form: words are only ever added at its end.
var compactWords = [...]string{
	"", SchemaDecision,
	"cleared", "formal_entry_required", DecisionCancelled,
	"DE_MINIMIS_SUSPENDED", "ORIGIN_EXCLUDED", "RESTRICTED_GOODS", "VALUE_OVER_THRESHOLD", "DAILY_TOTAL_OVER_THRESHOLD",
	"de_minimis", "informal", "formal", "mail", "gift",
	"air", "ocean", "truck", "rail", "postal",
	"us-321-200", "us-321-800", "us-321-800-cn-hk-excluded", "us-321-repealed", "us-321-suspended",
	"manifests", "USD", "800", "200", "100", "0",
}

var compactWordIndex = func() map[string]uint64 {
	m := make(map[string]uint64, len(compactWords))
	for i, w := range compactWords {
		m[w] = uint64(i)
	}
	return m
}()

// compactWordMax is the length of the longest word: a longer string is
// not looked up (most are 32- and 64-character hex ids).
var compactWordMax = func() (n int) {
	for _, w := range compactWords {
		n = max(n, len(w))
	}
	return n
}()

// The flags of a compact decision.
const (
	flagEventIsParcel = 1 << iota // event_id is the parcel_id, written once
	flagShadow                    // a shadow evaluation follows
)

// AppendCompact appends d's compact form to dst.
func (d *Decision) AppendCompact(dst []byte) []byte {
	dst = append(dst, compactVersion)
	var flags uint64
	if d.EventID == d.ParcelID {
		flags |= flagEventIsParcel
	}
	if d.Shadow != nil {
		flags |= flagShadow
	}
	dst = binary.AppendUvarint(dst, flags)
	dst = AppendCompactString(dst, d.Schema)
	dst = AppendCompactString(dst, d.DecisionID)
	dst = AppendCompactString(dst, d.ParcelID)
	if flags&flagEventIsParcel == 0 {
		dst = AppendCompactString(dst, d.EventID)
	}
	dst = AppendCompactString(dst, d.Carrier)
	dst = AppendCompactString(dst, d.Mode)
	dst = AppendCompactString(dst, d.ArrivalTime)
	dst = AppendCompactString(dst, d.EntryDate)
	dst = AppendCompactString(dst, d.Decision)
	dst = appendCompactStrings(dst, d.Reasons)
	dst = AppendCompactString(dst, d.Regime)
	dst = appendCompactPtr(dst, d.Threshold)
	dst = AppendCompactString(dst, d.ParcelValue)
	dst = AppendCompactString(dst, d.RecipientKey)
	dst = AppendCompactString(dst, d.RecipientDayTotal)
	dst = AppendCompactString(dst, d.EntryType)
	dst = AppendCompactString(dst, d.Source.Topic)
	dst = binary.AppendVarint(dst, int64(d.Source.Partition))
	dst = binary.AppendVarint(dst, d.Source.Offset)
	dst = AppendCompactString(dst, d.DecidedAt)
	dst = appendCompactPtr(dst, d.Exemption)
	dst = AppendCompactString(dst, d.RegimeVersion)
	dst = appendCompactMap(dst, d.DeclaredValues)
	dst = appendCompactPtr(dst, d.Supersedes)
	if s := d.Shadow; s != nil {
		dst = AppendCompactString(dst, s.Regime)
		dst = AppendCompactString(dst, s.Decision)
		dst = appendCompactStrings(dst, s.Reasons)
		dst = AppendCompactString(dst, s.RecipientDayTotal)
		dst = AppendCompactString(dst, s.RegimeVersion)
	}
	return dst
}

// ParseCompact reads a decision AppendCompact wrote at the start of b into
// d, and returns the bytes after it.
func (d *Decision) ParseCompact(b []byte) ([]byte, error) {
	if len(b) == 0 {
		return nil, errCompactShort
	}
	if b[0] != compactVersion {
		return nil, fmt.Errorf("compact decision: version %d, want %d", b[0], compactVersion)
	}
	r := compactReader{b: b[1:]}
	flags := r.uvarint()
	*d = Decision{}
	d.Schema = r.string()
	d.DecisionID = r.string()
	d.ParcelID = r.string()
	d.EventID = d.ParcelID
	if flags&flagEventIsParcel == 0 {
		d.EventID = r.string()
	}
	d.Carrier = r.string()
	d.Mode = r.string()
	d.ArrivalTime = r.string()
	d.EntryDate = r.string()
	d.Decision = r.string()
	d.Reasons = r.strings()
	d.Regime = r.string()
	d.Threshold = r.ptr()
	d.ParcelValue = r.string()
	d.RecipientKey = r.string()
	d.RecipientDayTotal = r.string()
	d.EntryType = r.string()
	d.Source.Topic = r.string()
	d.Source.Partition = int(r.varint())
	d.Source.Offset = r.varint()
	d.DecidedAt = r.string()
	d.Exemption = r.ptr()
	d.RegimeVersion = r.string()
	d.DeclaredValues = r.stringMap()
	d.Supersedes = r.ptr()
	if flags&flagShadow != 0 {
		d.Shadow = &Shadow{Regime: r.string(), Decision: r.string(), Reasons: r.strings(),
			RecipientDayTotal: r.string(), RegimeVersion: r.string()}
	}
	if r.err != nil {
		return nil, fmt.Errorf("compact decision: %w", r.err)
	}
	return r.b, nil
}

// AppendCompactString appends s in the compact string codec.
func AppendCompactString(dst []byte, s string) []byte {
	if len(s) <= compactWordMax {
		if i, ok := compactWordIndex[s]; ok {
			return binary.AppendUvarint(dst, i<<2|kindWord)
		}
	}
	if len(s) > 0 {
		// Lower-case hex, what hex.EncodeToString writes, is kept as the
		// bytes it encodes; the header is written first, and taken back
		// when s turns out to be anything else.
		start := len(dst)
		if out, ok := AppendLowerHexDecode(binary.AppendUvarint(dst, uint64(len(s)/2)<<2|kindHex), s); ok {
			return out
		}
		dst = dst[:start]
	}
	dst = binary.AppendUvarint(dst, uint64(len(s))<<2|kindText)
	return append(dst, s...)
}

// ParseCompactString reads a string AppendCompactString wrote at the start
// of b, and returns the bytes after it.
func ParseCompactString(b []byte) (string, []byte, error) {
	r := compactReader{b: b}
	s := r.string()
	return s, r.b, r.err
}

// AppendLowerHexDecode appends the bytes s encodes when s is lower-case
// hex of an even length; otherwise ok is false and dst is returned as it
// was (upper case too, so that one value has one encoding).
func AppendLowerHexDecode(dst []byte, s string) (out []byte, ok bool) {
	if len(s)%2 != 0 {
		return dst, false
	}
	start := len(dst)
	for i := 0; i < len(s); i += 2 {
		hi, lo := lowerHexValue[s[i]], lowerHexValue[s[i+1]]
		if (hi|lo)&0xf0 != 0 {
			return dst[:start], false
		}
		dst = append(dst, hi<<4|lo)
	}
	return dst, true
}

// lowerHexValue is the value of each lower-case hex digit, 0xff for any
// other byte.
var lowerHexValue = func() (values [256]byte) {
	for c := range values {
		switch {
		case '0' <= c && c <= '9':
			values[c] = byte(c - '0')
		case 'a' <= c && c <= 'f':
			values[c] = byte(c - 'a' + 10)
		default:
			values[c] = 0xff
		}
	}
	return values
}()

func appendCompactPtr(dst []byte, s *string) []byte {
	if s == nil {
		return binary.AppendUvarint(dst, kindNone)
	}
	return AppendCompactString(dst, *s)
}

// appendCompactStrings writes a count (kindNone for nil) and the strings.
func appendCompactStrings(dst []byte, values []string) []byte {
	if values == nil {
		return binary.AppendUvarint(dst, kindNone)
	}
	dst = binary.AppendUvarint(dst, uint64(len(values))<<2)
	for _, v := range values {
		dst = AppendCompactString(dst, v)
	}
	return dst
}

// appendCompactMap writes a count (kindNone for nil) and the pairs,
// sorted by key, so that one map has one form.
func appendCompactMap(dst []byte, m map[string]string) []byte {
	if m == nil {
		return binary.AppendUvarint(dst, kindNone)
	}
	dst = binary.AppendUvarint(dst, uint64(len(m))<<2)
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		dst = AppendCompactString(dst, k)
		dst = AppendCompactString(dst, m[k])
	}
	return dst
}

var errCompactShort = errors.New("cut short")

// compactReader reads the codec; the first error stops it, and every read
// after it returns the zero value.
type compactReader struct {
	b   []byte
	err error
}

func (r *compactReader) fail(err error) {
	if r.err == nil {
		r.err = err
	}
	r.b = nil
}

func (r *compactReader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail(errCompactShort)
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *compactReader) varint() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail(errCompactShort)
		return 0
	}
	r.b = r.b[n:]
	return v
}

// take returns the next n bytes.
func (r *compactReader) take(n uint64) []byte {
	if n > uint64(len(r.b)) {
		r.fail(errCompactShort)
		return nil
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

// value reads a string, or says there is none (kindNone).
func (r *compactReader) value() (string, bool) {
	h := r.uvarint()
	switch h & 3 {
	case kindText:
		return string(r.take(h >> 2)), true
	case kindHex:
		return hex.EncodeToString(r.take(h >> 2)), true
	case kindWord:
		if h>>2 >= uint64(len(compactWords)) {
			r.fail(fmt.Errorf("word %d unknown", h>>2))
			return "", true
		}
		return compactWords[h>>2], true
	}
	return "", false
}

func (r *compactReader) string() string {
	s, ok := r.value()
	if !ok {
		r.fail(errors.New("no string where one is due"))
	}
	return s
}

func (r *compactReader) ptr() *string {
	if s, ok := r.value(); ok {
		return &s
	}
	return nil
}

// count reads a count of what follows, or -1 for none (kindNone).
func (r *compactReader) count() int {
	h := r.uvarint()
	switch {
	case h == kindNone:
		return -1
	case h&3 != 0:
		r.fail(fmt.Errorf("count header %d", h))
		return -1
	case h>>2 > uint64(len(r.b)):
		// Each element takes a byte at least.
		r.fail(errCompactShort)
		return -1
	}
	return int(h >> 2)
}

func (r *compactReader) strings() []string {
	n := r.count()
	if n < 0 {
		return nil
	}
	out := make([]string, n)
	for i := range out {
		out[i] = r.string()
	}
	return out
}

func (r *compactReader) stringMap() map[string]string {
	n := r.count()
	if n < 0 {
		return nil
	}
	m := make(map[string]string, n)
	for range n {
		k := r.string()
		m[k] = r.string()
	}
	return m
}
