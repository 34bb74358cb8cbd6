package generate

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"time"
)

// This file checks messages against the manifest.v1 rules of EVENTS.md on
// its own, with encoding/json, so the generator's tests do not lean on
// package manifest (written alongside) or on the generator's own code.

// problem is the first contract rule a message breaks, or "" for none.
type problem string

const (
	problemNone      problem = ""
	problemJSON      problem = "not valid JSON"
	problemMissing   problem = "a required member is missing"
	problemNegative  problem = "a value is negative"
	problemPlaces    problem = "a value has more than 2 decimal places"
	problemCurrency  problem = "a currency has no rate"
	problemOffset    problem = "arrival_time has no offset"
	problemItemsType problem = "items is not an array"
	problemOther     problem = "another rule"
)

// checked is what the tests read from a valid message.
type checked struct {
	parcelID   string
	carrier    string
	orderID    string
	arrival    time.Time
	recipient  map[string]string
	valueCents int64 // the sum of the items' values
	restricted bool
}

var (
	idPattern      = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)
	portPattern    = regexp.MustCompile(`^[0-9]{4}$`)
	countryPattern = regexp.MustCompile(`^[A-Z]{2}$`)
	decimalPattern = regexp.MustCompile(`^(-?)([0-9]+)(?:\.([0-9]+))?$`)
	htsPattern     = regexp.MustCompile(`^[0-9.]+$`)
)

// restrictedHTSPrefixes are the built-in regimes' restricted HTS prefixes
// (package decide's regimes.json), digits only.
var restrictedHTSPrefixes = []string{"2203", "2204", "2205", "2206", "2208", "24", "93", "33030030"}

var restrictedCategories = map[string]bool{"alcohol": true, "tobacco": true, "firearms": true, "hazmat": true}

var (
	topMembers       = members("parcel_id", "event_id", "type", "carrier", "mode", "port_of_entry", "arrival_time", "recipient", "shipper", "seller", "marketplace", "order_id", "items", "gift")
	recipientMembers = members("name", "address_line1", "address_line2", "city", "state", "postal_code", "country", "phone", "email")
	itemMembers      = members("description", "hts_code", "origin_country", "quantity", "value", "currency", "category")
)

func members(names ...string) map[string]bool {
	out := make(map[string]bool, len(names))
	for _, n := range names {
		out[n] = true
	}
	return out
}

// checkManifest reports the first rule value breaks and, when it breaks
// none, what the tests read from it.
func checkManifest(value []byte) (checked, problem) {
	var out checked
	var doc map[string]any
	dec := json.NewDecoder(bytes.NewReader(value))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil || dec.More() {
		return out, problemJSON
	}
	for name := range doc {
		if !topMembers[name] {
			return out, problemOther
		}
	}

	str := func(m map[string]any, name string, required bool) (string, problem) {
		raw, ok := m[name]
		if !ok {
			if required {
				return "", problemMissing
			}
			return "", problemNone
		}
		s, ok := raw.(string)
		if !ok || (required && s == "") {
			return "", problemOther
		}
		return s, problemNone
	}

	var p problem
	if out.parcelID, p = str(doc, "parcel_id", true); p != problemNone {
		return out, p
	}
	if !idPattern.MatchString(out.parcelID) {
		return out, problemOther
	}
	if id, p := str(doc, "event_id", false); p != problemNone || (id != "" && !idPattern.MatchString(id)) {
		return out, problemOther
	}
	if kind, p := str(doc, "type", false); p != problemNone || (kind != "" && kind != "parcel" && kind != "amend" && kind != "cancel") {
		return out, problemOther
	}
	if out.carrier, p = str(doc, "carrier", true); p != problemNone {
		return out, p
	}
	if len([]rune(out.carrier)) > 32 {
		return out, problemOther
	}
	if mode, p := str(doc, "mode", false); p != problemNone || (mode != "" && !strings.Contains(" air ocean truck rail postal ", " "+mode+" ")) {
		return out, problemOther
	}
	if portCode, p := str(doc, "port_of_entry", false); p != problemNone || (portCode != "" && !portPattern.MatchString(portCode)) {
		return out, problemOther
	}
	arrival, p := str(doc, "arrival_time", true)
	if p != problemNone {
		return out, p
	}
	var err error
	if out.arrival, err = time.Parse(time.RFC3339Nano, arrival); err != nil {
		if _, err := time.Parse("2006-01-02T15:04:05", arrival); err == nil {
			return out, problemOffset
		}
		return out, problemOther
	}
	for _, name := range []string{"seller", "marketplace", "order_id"} {
		if _, p := str(doc, name, false); p != problemNone {
			return out, p
		}
	}
	out.orderID, _ = str(doc, "order_id", false)
	if raw, ok := doc["shipper"]; ok {
		shipper, ok := raw.(map[string]any)
		if !ok {
			return out, problemOther
		}
		if country, p := str(shipper, "country", false); p != problemNone || (country != "" && !countryPattern.MatchString(country)) {
			return out, problemOther
		}
	}

	raw, ok := doc["recipient"]
	if !ok {
		return out, problemMissing
	}
	recipient, ok := raw.(map[string]any)
	if !ok {
		return out, problemOther
	}
	out.recipient = make(map[string]string)
	for name := range recipient {
		if !recipientMembers[name] {
			return out, problemOther
		}
	}
	for _, name := range []string{"name", "address_line1", "city", "state", "postal_code"} {
		s, p := str(recipient, name, true)
		if p != problemNone {
			return out, p
		}
		out.recipient[name] = s
	}
	for _, name := range []string{"address_line2", "country", "phone", "email"} {
		s, p := str(recipient, name, false)
		if p != problemNone {
			return out, p
		}
		out.recipient[name] = s
	}

	raw, ok = doc["items"]
	if !ok {
		return out, problemMissing
	}
	items, ok := raw.([]any)
	if !ok {
		return out, problemItemsType
	}
	if len(items) < 1 || len(items) > 1000 {
		return out, problemOther
	}
	for _, rawItem := range items {
		item, ok := rawItem.(map[string]any)
		if !ok {
			return out, problemOther
		}
		for name := range item {
			if !itemMembers[name] {
				return out, problemOther
			}
		}
		if _, p := str(item, "description", true); p != problemNone {
			return out, p
		}
		hts, p := str(item, "hts_code", false)
		if p != problemNone {
			return out, p
		}
		digits := strings.ReplaceAll(hts, ".", "")
		if hts != "" && (!htsPattern.MatchString(hts) || len(digits) < 4 || len(digits) > 10) {
			return out, problemOther
		}
		origin, p := str(item, "origin_country", true)
		if p != problemNone {
			return out, p
		}
		if !countryPattern.MatchString(origin) {
			return out, problemOther
		}
		if rawQuantity, ok := item["quantity"]; ok {
			n, ok := rawQuantity.(json.Number)
			if q, err := n.Int64(); !ok || err != nil || q < 1 {
				return out, problemOther
			}
		}
		rawValue, ok := item["value"]
		if !ok {
			return out, problemMissing
		}
		var literal string
		switch v := rawValue.(type) {
		case string:
			literal = v
		case json.Number:
			literal = v.String()
		default:
			return out, problemOther
		}
		match := decimalPattern.FindStringSubmatch(literal)
		if match == nil {
			return out, problemOther
		}
		if match[1] == "-" {
			return out, problemNegative
		}
		if len(match[3]) > 2 {
			return out, problemPlaces
		}
		cents := int64(0)
		for _, d := range match[2] + (match[3] + "00")[:2] {
			cents = cents*10 + int64(d-'0')
		}
		out.valueCents += cents
		currency, p := str(item, "currency", false)
		if p != problemNone {
			return out, p
		}
		if currency != "" && currency != "USD" {
			return out, problemCurrency
		}
		category, p := str(item, "category", false)
		if p != problemNone {
			return out, p
		}
		if category != "" && !restrictedCategories[category] {
			return out, problemOther
		}
		if restrictedCategories[category] {
			out.restricted = true
		}
		for _, prefix := range restrictedHTSPrefixes {
			if hts != "" && strings.HasPrefix(digits, prefix) {
				out.restricted = true
			}
		}
	}
	return out, problemNone
}
