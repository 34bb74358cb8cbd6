package event

import (
	"slices"
	"strconv"
	"unicode/utf8"
)

// The AppendJSON methods write a message as json.Marshal writes it, byte
// for byte (field order, null for nil pointers, slices and maps, map keys
// sorted, omitempty, HTML-safe string escapes), without reflection and
// into the caller's buffer. TestAppendJSONMatchesMarshal holds them to
// that; a field added to a message type must be added here too.

// AppendJSON appends d's JSON encoding to dst.
func (d *Decision) AppendJSON(dst []byte) []byte {
	dst = appendStringField(dst, `{"schema":`, d.Schema)
	dst = appendStringField(dst, `,"decision_id":`, d.DecisionID)
	dst = appendStringField(dst, `,"event_id":`, d.EventID)
	dst = appendStringField(dst, `,"parcel_id":`, d.ParcelID)
	dst = appendStringField(dst, `,"carrier":`, d.Carrier)
	dst = appendStringField(dst, `,"mode":`, d.Mode)
	dst = appendStringField(dst, `,"arrival_time":`, d.ArrivalTime)
	dst = appendStringField(dst, `,"entry_date":`, d.EntryDate)
	dst = appendStringField(dst, `,"decision":`, d.Decision)
	dst = append(dst, `,"reasons":`...)
	dst = appendStrings(dst, d.Reasons)
	dst = appendStringField(dst, `,"regime":`, d.Regime)
	dst = append(dst, `,"threshold":`...)
	dst = appendStringPtr(dst, d.Threshold)
	dst = appendStringField(dst, `,"parcel_value":`, d.ParcelValue)
	dst = appendStringField(dst, `,"recipient_key":`, d.RecipientKey)
	dst = appendStringField(dst, `,"recipient_day_total":`, d.RecipientDayTotal)
	dst = appendStringField(dst, `,"entry_type":`, d.EntryType)
	dst = append(dst, `,"source":`...)
	dst = d.Source.appendJSON(dst)
	dst = appendStringField(dst, `,"decided_at":`, d.DecidedAt)
	dst = append(dst, `,"exemption":`...)
	dst = appendStringPtr(dst, d.Exemption)
	dst = appendStringField(dst, `,"regime_version":`, d.RegimeVersion)
	dst = append(dst, `,"declared_values":`...)
	dst = appendStringMap(dst, d.DeclaredValues)
	if d.Supersedes != nil {
		dst = appendStringField(dst, `,"supersedes":`, *d.Supersedes)
	}
	if d.Shadow != nil {
		dst = append(dst, `,"shadow":`...)
		dst = d.Shadow.appendJSON(dst)
	}
	return append(dst, '}')
}

// appendStringField appends a field's name (with its punctuation) and its
// value as a JSON string.
func appendStringField(dst []byte, name, value string) []byte {
	return appendString(append(dst, name...), value)
}

func (s *Shadow) appendJSON(dst []byte) []byte {
	dst = appendStringField(dst, `{"regime":`, s.Regime)
	dst = appendStringField(dst, `,"decision":`, s.Decision)
	dst = append(dst, `,"reasons":`...)
	dst = appendStrings(dst, s.Reasons)
	dst = appendStringField(dst, `,"recipient_day_total":`, s.RecipientDayTotal)
	dst = appendStringField(dst, `,"regime_version":`, s.RegimeVersion)
	return append(dst, '}')
}

func (s Source) appendJSON(dst []byte) []byte {
	dst = appendStringField(dst, `{"topic":`, s.Topic)
	dst = append(dst, `,"partition":`...)
	dst = strconv.AppendInt(dst, int64(s.Partition), 10)
	dst = append(dst, `,"offset":`...)
	dst = strconv.AppendInt(dst, s.Offset, 10)
	return append(dst, '}')
}

// AppendJSON appends a's JSON encoding to dst.
func (a *Alert) AppendJSON(dst []byte) []byte {
	dst = appendStringField(dst, `{"schema":`, a.Schema)
	dst = appendStringField(dst, `,"alert_id":`, a.AlertID)
	dst = appendStringField(dst, `,"type":`, a.Type)
	dst = appendStringField(dst, `,"recipient_key":`, a.RecipientKey)
	dst = appendStringField(dst, `,"entry_date":`, a.EntryDate)
	dst = appendStringField(dst, `,"regime":`, a.Regime)
	dst = append(dst, `,"threshold":`...)
	dst = appendStringPtr(dst, a.Threshold)
	dst = appendStringField(dst, `,"day_total":`, a.DayTotal)
	dst = append(dst, `,"parcel_ids":`...)
	dst = appendStrings(dst, a.ParcelIDs)
	dst = append(dst, `,"carriers":`...)
	dst = appendStrings(dst, a.Carriers)
	dst = append(dst, `,"parcel_count":`...)
	dst = strconv.AppendInt(dst, a.ParcelCount, 10)
	dst = appendStringField(dst, `,"trigger_parcel_id":`, a.TriggerParcelID)
	dst = append(dst, `,"version":`...)
	dst = strconv.AppendInt(dst, a.Version, 10)
	dst = appendStringField(dst, `,"raised_at":`, a.RaisedAt)
	dst = appendStringField(dst, `,"reason":`, a.Reason)
	dst = appendStringField(dst, `,"subject_key":`, a.SubjectKey)
	return append(dst, '}')
}

// AppendJSON appends r's JSON encoding to dst.
func (r *Rejected) AppendJSON(dst []byte) []byte {
	dst = appendStringField(dst, `{"schema":`, r.Schema)
	dst = appendStringField(dst, `,"error":`, r.Error)
	dst = append(dst, `,"source":`...)
	dst = r.Source.appendJSON(dst)
	dst = appendStringField(dst, `,"raw":`, r.Raw)
	dst = append(dst, `,"raw_base64":`...)
	dst = strconv.AppendBool(dst, r.RawBase64)
	dst = appendStringField(dst, `,"rejected_at":`, r.RejectedAt)
	if r.RawTruncated {
		dst = append(dst, `,"raw_truncated":true`...)
	}
	if r.RawBytes != 0 {
		dst = append(dst, `,"raw_bytes":`...)
		dst = strconv.AppendInt(dst, int64(r.RawBytes), 10)
	}
	return append(dst, '}')
}

func appendStringPtr(dst []byte, s *string) []byte {
	if s == nil {
		return append(dst, "null"...)
	}
	return appendString(dst, *s)
}

func appendStrings(dst []byte, values []string) []byte {
	if values == nil {
		return append(dst, "null"...)
	}
	dst = append(dst, '[')
	for i, v := range values {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, v)
	}
	return append(dst, ']')
}

// appendStringMap writes the keys in order, as encoding/json sorts them.
func appendStringMap(dst []byte, m map[string]string) []byte {
	if m == nil {
		return append(dst, "null"...)
	}
	dst = append(dst, '{')
	if len(m) == 1 {
		// The usual case, one currency: nothing to sort.
		for k, v := range m {
			dst = appendString(dst, k)
			dst = append(dst, ':')
			dst = appendString(dst, v)
		}
		return append(dst, '}')
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for i, k := range keys {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, k)
		dst = append(dst, ':')
		dst = appendString(dst, m[k])
	}
	return append(dst, '}')
}

// AppendJSONString appends s as a JSON string, escaped as encoding/json
// escapes it.
func AppendJSONString(dst []byte, s string) []byte { return appendString(dst, s) }

const hexDigits = "0123456789abcdef"

// htmlSafe says which bytes a JSON string holds as they are: ASCII from
// the space on, but ", \, <, > and &. The rest take the slow path.
var htmlSafe = func() (safe [256]bool) {
	for b := 0x20; b < utf8.RuneSelf; b++ {
		safe[b] = b != '"' && b != '\\' && b != '<' && b != '>' && b != '&'
	}
	return safe
}()

// appendString writes s as a JSON string with encoding/json's escapes:
// ", \ and the control characters; <, > and & as \u003c, \u003e and
// \u0026; invalid UTF-8 as \ufffd; U+2028 and U+2029 as \u2028, \u2029.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		b := s[i]
		if htmlSafe[b] {
			i++
			continue
		}
		if b < utf8.RuneSelf {
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[c&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
