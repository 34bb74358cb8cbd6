package manifest

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"
)

// Rules, as they appear in FieldError.Rule.
const (
	ruleRequired    = "is required"
	ruleRepeated    = "must not appear more than once"
	ruleString      = "must be a string"
	ruleObject      = "must be an object"
	ruleArray       = "must be an array"
	ruleInteger     = "must be an integer"
	ruleBoolean     = "must be a boolean"
	ruleNotBlank    = "must not be empty"
	ruleID          = "must be 1 to 64 characters of A-Z a-z 0-9 - _ ."
	ruleCarrierLen  = "must be at most 32 characters"
	ruleType        = "must be one of parcel, amend, cancel"
	ruleMode        = "must be one of air, ocean, truck, rail, postal"
	rulePort        = "must be 4 digits"
	ruleArrival     = "must be an RFC 3339 date-time with an offset, like 2025-08-28T14:03:00-04:00"
	ruleDate        = "must be a calendar date YYYY-MM-DD, like 2025-08-27"
	ruleItemsMin    = "must have at least 1 item"
	ruleItemsMax    = "must have at most 1000 items"
	ruleHTS         = "must be 4 to 10 digits, dots allowed"
	ruleCountry     = "must be an ISO 3166-1 alpha-2 code (two letters)"
	ruleQuantityMin = "must be at least 1"
	ruleValueType   = "must be a string or a number"
	ruleValueSyntax = "must be a decimal number like 12.50"
	ruleExponent    = "must not use exponent notation"
	ruleNegative    = "must not be negative"
	rulePlaces      = "must have at most 2 decimal places"
	ruleValueMax    = "must be at most 1000000000"
	ruleCurrency    = "must be a three-letter currency code"
	ruleCategory    = "must be one of alcohol, tobacco, firearms, hazmat"
	ruleUTF8        = "must be valid UTF-8"
	ruleObjectTop   = "must be a JSON object"
)

// ruleQuantityMax is the rule for a quantity too large for an int.
var ruleQuantityMax = "must be at most " + strconv.Itoa(int(^uint(0)>>1))

const (
	maxIDLen       = 64
	maxCarrierLen  = 32
	maxValueUnits  = 1000000000 // the largest item value, in whole units
	maxValueDigits = 10         // the digits of maxValueUnits
	maxPlaces      = 2
)

// Decode decodes and validates one manifest.v1 message. Unknown members are
// ignored; a member given as null counts as absent. Any message that breaks
// a rule of the contract returns a *FieldError naming the first offending
// member, checking members in the contract's order (a message that is not
// UTF-8 JSON is reported as field "message" before anything else).
// The returned Manifest shares no memory with data.
func Decode(data []byte) (*Manifest, error) {
	if !utf8.Valid(data) {
		return nil, &FieldError{Field: messageField, Rule: ruleUTF8}
	}
	s := scanner{data: data, text: string(data)}
	// The manifest is allocated with room for a few items, which they are
	// read into; more grow an array of their own.
	alloc := new(manifestWithItems)
	w := wireManifest{itemList: alloc.items[:0]}
	if err := s.readMessage(&w); err != nil {
		return nil, err
	}
	m, err := w.build(&alloc.m)
	if err != nil {
		return nil, err
	}
	return m, nil
}

// wireManifest is a message as read, before validation. Items are
// validated as they are read (they are the bulk of a message), keeping the
// first error; everything else is checked by build, in contract order.
type wireManifest struct {
	parcelID, eventID, msgType, carrier, mode, portOfEntry, arrivalTime field
	recipient                                                           field // kind only: the members are in recipientFields
	recipientFields                                                     wireRecipient
	shipper                                                             field // kind only: the members are in shipperFields
	shipperFields                                                       wireShipper
	seller, marketplace, orderID, gift, exportDate                      field
	items                                                               field // kind only

	itemCount int         // elements in the items array, valid or not
	itemList  []Item      // the valid items, up to MaxItems, until itemErr
	itemErr   *FieldError // the first invalid item
}

// manifestWithItems is a Manifest allocated together with room for its
// items: one allocation for the manifest of one or two items, the most
// common (70% of generated traffic).
type manifestWithItems struct {
	m     Manifest
	items [2]Item
}

type wireRecipient struct {
	name, addressLine1, addressLine2, city, state, postalCode, country, phone, email field
}

type wireShipper struct {
	name, country field
}

type wireItem struct {
	description, htsCode, originCountry, quantity, value, currency, category field
}

// readMessage reads the whole message into w, checking its JSON syntax.
func (s *scanner) readMessage(w *wireManifest) *FieldError {
	if s.peek() != '{' {
		// Tell malformed JSON from well-formed JSON of the wrong kind.
		if _, err := s.readValue(1); err != nil {
			return err
		}
		if err := s.end(); err != nil {
			return err
		}
		return &FieldError{Field: messageField, Rule: ruleObjectTop}
	}
	const level = 2 // of the members' values
	s.pos++
	for first := true; ; {
		key, more, err := s.nextMember(&first)
		if err != nil {
			return err
		}
		if !more {
			return s.end()
		}
		var f *field
		switch key {
		case "parcel_id":
			f = &w.parcelID
		case "event_id":
			f = &w.eventID
		case "type":
			f = &w.msgType
		case "carrier":
			f = &w.carrier
		case "mode":
			f = &w.mode
		case "port_of_entry":
			f = &w.portOfEntry
		case "arrival_time":
			f = &w.arrivalTime
		case "seller":
			f = &w.seller
		case "marketplace":
			f = &w.marketplace
		case "order_id":
			f = &w.orderID
		case "gift":
			f = &w.gift
		case "export_date":
			f = &w.exportDate
		case "recipient":
			err = s.readRecipient(w, level)
		case "shipper":
			err = s.readShipper(w, level)
		case "items":
			err = s.readItems(w, level)
		default:
			_, err = s.readValue(level)
		}
		if f != nil {
			err = s.readField(f, level)
		}
		if err != nil {
			return err
		}
	}
}

// readObjectStart handles a known member that should hold an object: it
// returns true when the caller should read the object's members, and
// otherwise reads the value, recording its kind or the repetition in f.
func (s *scanner) readObjectStart(f *field, level int) (bool, *FieldError) {
	if f.kind == kindAbsent && s.peek() == '{' {
		f.kind = kindObject
		s.pos++
		return true, nil
	}
	return false, s.readField(f, level)
}

func (s *scanner) readRecipient(w *wireManifest, level int) *FieldError {
	if open, err := s.readObjectStart(&w.recipient, level); !open || err != nil {
		return err
	}
	r := &w.recipientFields
	for first := true; ; {
		key, more, err := s.nextMember(&first)
		if err != nil || !more {
			return err
		}
		var f *field
		switch key {
		case "name":
			f = &r.name
		case "address_line1":
			f = &r.addressLine1
		case "address_line2":
			f = &r.addressLine2
		case "city":
			f = &r.city
		case "state":
			f = &r.state
		case "postal_code":
			f = &r.postalCode
		case "country":
			f = &r.country
		case "phone":
			f = &r.phone
		case "email":
			f = &r.email
		}
		if f != nil {
			err = s.readField(f, level+1)
		} else {
			_, err = s.readValue(level + 1)
		}
		if err != nil {
			return err
		}
	}
}

func (s *scanner) readShipper(w *wireManifest, level int) *FieldError {
	if open, err := s.readObjectStart(&w.shipper, level); !open || err != nil {
		return err
	}
	for first := true; ; {
		key, more, err := s.nextMember(&first)
		if err != nil || !more {
			return err
		}
		switch key {
		case "name":
			err = s.readField(&w.shipperFields.name, level+1)
		case "country":
			err = s.readField(&w.shipperFields.country, level+1)
		default:
			_, err = s.readValue(level + 1)
		}
		if err != nil {
			return err
		}
	}
}

func (s *scanner) readItems(w *wireManifest, level int) *FieldError {
	if w.items.kind != kindAbsent || s.peek() != '[' {
		return s.readField(&w.items, level)
	}
	w.items.kind = kindArray
	s.pos++
	for first := true; ; {
		more, err := s.nextElement(&first)
		if err != nil || !more {
			return err
		}
		index := w.itemCount
		w.itemCount++
		if w.itemErr != nil || index >= MaxItems {
			// The message is rejected already; only its syntax matters.
			if _, err := s.readValue(level + 1); err != nil {
				return err
			}
			continue
		}
		if err := s.readItem(w, index, level+1); err != nil {
			return err
		}
	}
}

// readItem reads items[index] and validates it, appending it to w.itemList
// or recording why it is invalid in w.itemErr.
func (s *scanner) readItem(w *wireManifest, index, level int) *FieldError {
	if s.peek() != '{' {
		if _, err := s.readValue(level); err != nil {
			return err
		}
		w.itemErr = itemError(index, "", ruleObject)
		return nil
	}
	s.pos++
	var wi wireItem
	for first := true; ; {
		key, more, err := s.nextMember(&first)
		if err != nil {
			return err
		}
		if !more {
			break
		}
		var f *field
		switch key {
		case "description":
			f = &wi.description
		case "hts_code":
			f = &wi.htsCode
		case "origin_country":
			f = &wi.originCountry
		case "quantity":
			f = &wi.quantity
		case "value":
			f = &wi.value
		case "currency":
			f = &wi.currency
		case "category":
			f = &wi.category
		}
		if f != nil {
			err = s.readField(f, level+1)
		} else {
			_, err = s.readValue(level + 1)
		}
		if err != nil {
			return err
		}
	}
	item, err := wi.build(index)
	if err != nil {
		w.itemErr = err
		return nil
	}
	w.itemList = append(w.itemList, item)
	return nil
}

// build validates everything but the items (checked as they were read) in
// the contract's order into m, and returns it.
func (w *wireManifest) build(m *Manifest) (*Manifest, *FieldError) {
	var rule string

	m.ParcelID, rule = identifier(&w.parcelID)
	if rule != "" {
		return nil, &FieldError{Field: "parcel_id", Rule: rule}
	}
	if _, present, rule := text(&w.eventID); rule == "" && !present {
		m.EventID = m.ParcelID
	} else if m.EventID, rule = identifier(&w.eventID); rule != "" {
		return nil, &FieldError{Field: "event_id", Rule: rule}
	}

	msgType, present, rule := text(&w.msgType)
	switch {
	case rule != "":
	case !present:
		m.Type = TypeParcel
	case msgType == string(TypeParcel), msgType == string(TypeAmend), msgType == string(TypeCancel):
		m.Type = Type(msgType)
	default:
		rule = ruleType
	}
	if rule != "" {
		return nil, &FieldError{Field: "type", Rule: rule}
	}

	if m.Carrier, rule = requiredText(&w.carrier); rule == "" && utf8.RuneCountInString(m.Carrier) > maxCarrierLen {
		rule = ruleCarrierLen
	}
	if rule != "" {
		return nil, &FieldError{Field: "carrier", Rule: rule}
	}

	mode, present, rule := text(&w.mode)
	switch {
	case rule != "":
	case !present:
		m.Mode = "air"
	case mode == "air", mode == "ocean", mode == "truck", mode == "rail", mode == "postal":
		m.Mode = mode
	default:
		rule = ruleMode
	}
	if rule != "" {
		return nil, &FieldError{Field: "mode", Rule: rule}
	}

	port, present, rule := text(&w.portOfEntry)
	if rule == "" && present && !isPortCode(port) {
		rule = rulePort
	}
	if rule != "" {
		return nil, &FieldError{Field: "port_of_entry", Rule: rule}
	}
	m.PortOfEntry = port

	arrival, present, rule := text(&w.arrivalTime)
	if rule == "" && !present {
		rule = ruleRequired
	}
	if rule == "" {
		var ok bool
		if m.ArrivalTime, ok = parseRFC3339(arrival); !ok {
			rule = ruleArrival
		}
	}
	if rule != "" {
		return nil, &FieldError{Field: "arrival_time", Rule: rule}
	}

	if err := w.buildRecipient(&m.Recipient); err != nil {
		return nil, err
	}
	if err := w.buildShipper(&m.Shipper); err != nil {
		return nil, err
	}

	// Written out rather than looped over a table of names and fields:
	// escape analysis would see the fields' pointers flow into the
	// FieldError with the names and put w, a kilobyte, on the heap.
	if m.Seller, _, rule = text(&w.seller); rule != "" {
		return nil, &FieldError{Field: "seller", Rule: rule}
	}
	if m.Marketplace, _, rule = text(&w.marketplace); rule != "" {
		return nil, &FieldError{Field: "marketplace", Rule: rule}
	}
	if m.OrderID, _, rule = text(&w.orderID); rule != "" {
		return nil, &FieldError{Field: "order_id", Rule: rule}
	}

	switch {
	case w.gift.dup:
		rule = ruleRepeated
	case w.gift.kind == kindBool:
		m.Gift = w.gift.text == "true"
	case w.gift.kind != kindAbsent && w.gift.kind != kindNull:
		rule = ruleBoolean
	}
	if rule != "" {
		return nil, &FieldError{Field: "gift", Rule: rule}
	}

	exportDate, present, rule := text(&w.exportDate)
	if rule == "" && present && !isDate(exportDate) {
		rule = ruleDate
	}
	if rule != "" {
		return nil, &FieldError{Field: "export_date", Rule: rule}
	}
	m.ExportDate = exportDate

	switch {
	case w.items.dup:
		rule = ruleRepeated
	case w.items.kind == kindAbsent, w.items.kind == kindNull:
		rule = ruleRequired
	case w.items.kind != kindArray:
		rule = ruleArray
	case w.itemCount == 0:
		rule = ruleItemsMin
	case w.itemCount > MaxItems:
		rule = ruleItemsMax
	case w.itemErr != nil:
		return nil, w.itemErr
	}
	if rule != "" {
		return nil, &FieldError{Field: "items", Rule: rule}
	}
	m.Items = w.itemList
	return m, nil
}

func (w *wireManifest) buildRecipient(r *Recipient) *FieldError {
	switch {
	case w.recipient.dup:
		return &FieldError{Field: "recipient", Rule: ruleRepeated}
	case w.recipient.kind == kindAbsent, w.recipient.kind == kindNull:
		return &FieldError{Field: "recipient", Rule: ruleRequired}
	case w.recipient.kind != kindObject:
		return &FieldError{Field: "recipient", Rule: ruleObject}
	}
	wr := &w.recipientFields
	var rule string
	for _, member := range [...]struct {
		name     string
		f        *field
		dst      *string
		required bool
	}{
		{"name", &wr.name, &r.Name, true},
		{"address_line1", &wr.addressLine1, &r.AddressLine1, true},
		{"address_line2", &wr.addressLine2, &r.AddressLine2, false},
		{"city", &wr.city, &r.City, true},
		{"state", &wr.state, &r.State, true},
		{"postal_code", &wr.postalCode, &r.PostalCode, true},
		{"country", &wr.country, &r.Country, false},
		{"phone", &wr.phone, &r.Phone, false},
		{"email", &wr.email, &r.Email, false},
	} {
		if member.required {
			*member.dst, rule = requiredText(member.f)
		} else {
			*member.dst, _, rule = text(member.f)
		}
		if rule != "" {
			return &FieldError{Field: "recipient." + member.name, Rule: rule}
		}
	}
	if r.Country == "" {
		r.Country = "US"
	}
	return nil
}

func (w *wireManifest) buildShipper(sh *Shipper) *FieldError {
	switch {
	case w.shipper.dup:
		return &FieldError{Field: "shipper", Rule: ruleRepeated}
	case w.shipper.kind == kindAbsent, w.shipper.kind == kindNull:
		return nil
	case w.shipper.kind != kindObject:
		return &FieldError{Field: "shipper", Rule: ruleObject}
	}
	var rule string
	if sh.Name, _, rule = text(&w.shipperFields.name); rule != "" {
		return &FieldError{Field: "shipper.name", Rule: rule}
	}
	if sh.Country, _, rule = text(&w.shipperFields.country); rule != "" {
		return &FieldError{Field: "shipper.country", Rule: rule}
	}
	return nil
}

// build validates one item, items[index], in the contract's order.
func (wi *wireItem) build(index int) (Item, *FieldError) {
	var item Item
	var rule string

	if item.Description, rule = requiredText(&wi.description); rule != "" {
		return Item{}, itemError(index, "description", rule)
	}

	hts, present, rule := text(&wi.htsCode)
	if rule == "" && present && !isHTSCode(hts) {
		rule = ruleHTS
	}
	if rule != "" {
		return Item{}, itemError(index, "hts_code", rule)
	}
	item.HTSCode = hts

	origin, present, rule := text(&wi.originCountry)
	switch {
	case rule != "":
	case !present:
		rule = ruleRequired
	case !isLetters(origin, 2):
		rule = ruleCountry
	}
	if rule != "" {
		return Item{}, itemError(index, "origin_country", rule)
	}
	item.OriginCountry = strings.ToUpper(origin) // no allocation when already upper case

	switch {
	case wi.quantity.dup:
		rule = ruleRepeated
	case wi.quantity.kind == kindAbsent, wi.quantity.kind == kindNull:
		item.Quantity = 1
	case wi.quantity.kind == kindNumber:
		item.Quantity, rule = parseQuantity(wi.quantity.text)
	default:
		rule = ruleInteger
	}
	if rule != "" {
		return Item{}, itemError(index, "quantity", rule)
	}

	switch {
	case wi.value.dup:
		rule = ruleRepeated
	case wi.value.kind == kindAbsent, wi.value.kind == kindNull:
		rule = ruleRequired
	case wi.value.kind == kindString, wi.value.kind == kindNumber:
		item.Value, rule = parseValue(wi.value.text)
	default:
		rule = ruleValueType
	}
	if rule != "" {
		return Item{}, itemError(index, "value", rule)
	}

	currency, present, rule := text(&wi.currency)
	switch {
	case rule != "":
	case !present:
		item.Currency = "USD"
	case !isLetters(currency, 3):
		rule = ruleCurrency
	default:
		item.Currency = strings.ToUpper(currency)
	}
	if rule != "" {
		return Item{}, itemError(index, "currency", rule)
	}

	category, present, rule := text(&wi.category)
	switch {
	case rule != "", !present:
	case category == "alcohol", category == "tobacco", category == "firearms", category == "hazmat":
		item.Category = category
	default:
		rule = ruleCategory
	}
	if rule != "" {
		return Item{}, itemError(index, "category", rule)
	}
	return item, nil
}

// itemError names member of items[index], or the item itself when member
// is empty. It builds the path only when there is an error to report.
func itemError(index int, member, rule string) *FieldError {
	path := "items[" + strconv.Itoa(index) + "]"
	if member != "" {
		path += "." + member
	}
	return &FieldError{Field: path, Rule: rule}
}

// text returns the string a member holds. present is false when the member
// is absent or null; rule is set when it is repeated or not a string.
func text(f *field) (value string, present bool, rule string) {
	switch {
	case f.dup:
		return "", false, ruleRepeated
	case f.kind == kindString:
		return f.text, true, ""
	case f.kind == kindAbsent, f.kind == kindNull:
		return "", false, ""
	default:
		return "", false, ruleString
	}
}

// requiredText returns the string a required member holds, which must not be
// empty or only white space.
func requiredText(f *field) (string, string) {
	value, present, rule := text(f)
	switch {
	case rule != "":
		return "", rule
	case !present:
		return "", ruleRequired
	case strings.TrimSpace(value) == "":
		return "", ruleNotBlank
	}
	return value, ""
}

// identifier returns a required parcel or event id.
func identifier(f *field) (string, string) {
	value, present, rule := text(f)
	switch {
	case rule != "":
		return "", rule
	case !present:
		return "", ruleRequired
	case !isIdentifier(value):
		return "", ruleID
	}
	return value, ""
}

// isIdentifier reports whether s is 1..64 of A-Z a-z 0-9 - _ .
func isIdentifier(s string) bool {
	if len(s) == 0 || len(s) > maxIDLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isDigit(c) && !isLetter(c) && c != '-' && c != '_' && c != '.' {
			return false
		}
	}
	return true
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// isLetters reports whether s is exactly n ASCII letters.
func isLetters(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isLetter(s[i]) {
			return false
		}
	}
	return true
}

// isDate reports whether s is a calendar date written YYYY-MM-DD, the
// year from 0001.
func isDate(s string) bool {
	if len(s) != len("2006-01-02") || s[4] != '-' || s[7] != '-' {
		return false
	}
	year, ok1 := digits(s[0:4])
	month, ok2 := digits(s[5:7])
	day, ok3 := digits(s[8:10])
	return ok1 && ok2 && ok3 && year >= 1 && month >= 1 && month <= 12 && day >= 1 && day <= daysIn(month, year)
}

func isPortCode(s string) bool {
	if len(s) != 4 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// isHTSCode reports whether s is only digits and dots, with 4 to 10 digits.
func isHTSCode(s string) bool {
	digits := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case isDigit(c):
			digits++
		case c != '.':
			return false
		}
	}
	return 4 <= digits && digits <= 10
}

// parseQuantity reads a quantity from a JSON number literal.
func parseQuantity(lit string) (int, string) {
	for i := 0; i < len(lit); i++ {
		if !isDigit(lit[i]) && !(i == 0 && lit[i] == '-') {
			return 0, ruleInteger // a fraction or an exponent
		}
	}
	n, err := strconv.Atoi(lit)
	switch {
	case err != nil && lit[0] == '-', err == nil && n < 1:
		return 0, ruleQuantityMin
	case err != nil:
		return 0, ruleQuantityMax
	}
	return n, ""
}

// parseValue reads an item value from the text of a JSON string or the
// literal of a JSON number, exactly: digits, optionally a point and more
// digits. The result keeps the scale as written.
func parseValue(lit string) (decimal.Decimal, string) {
	i := 0
	negative := i < len(lit) && lit[i] == '-'
	if negative {
		i++
	}
	intStart := i
	for i < len(lit) && isDigit(lit[i]) {
		i++
	}
	intDigits := lit[intStart:i]
	fracDigits := ""
	if i < len(lit) && lit[i] == '.' {
		i++
		fracStart := i
		for i < len(lit) && isDigit(lit[i]) {
			i++
		}
		fracDigits = lit[fracStart:i]
		if fracDigits == "" {
			return decimal.Decimal{}, ruleValueSyntax
		}
	}
	switch {
	case intDigits == "":
		return decimal.Decimal{}, ruleValueSyntax
	case i < len(lit) && (lit[i] == 'e' || lit[i] == 'E'):
		return decimal.Decimal{}, ruleExponent
	case i < len(lit):
		return decimal.Decimal{}, ruleValueSyntax
	case negative:
		return decimal.Decimal{}, ruleNegative
	case len(fracDigits) > maxPlaces:
		return decimal.Decimal{}, rulePlaces
	}
	intDigits = strings.TrimLeft(intDigits, "0")
	if len(intDigits) > maxValueDigits {
		return decimal.Decimal{}, ruleValueMax // and too long for an int64
	}
	var units, cents int64
	for j := 0; j < len(intDigits); j++ {
		units = units*10 + int64(intDigits[j]-'0')
	}
	for j := 0; j < len(fracDigits); j++ {
		cents = cents*10 + int64(fracDigits[j]-'0')
	}
	if units > maxValueUnits || units == maxValueUnits && cents > 0 {
		return decimal.Decimal{}, ruleValueMax
	}
	scale := int64(1)
	for range fracDigits {
		scale *= 10
	}
	return decimal.New(units*scale+cents, -int32(len(fracDigits))), ""
}

// parseRFC3339 reads YYYY-MM-DDTHH:MM:SS[.fraction](Z|+hh:mm|-hh:mm), and
// nothing else: time.Parse(time.RFC3339, ...) also accepts one-digit hours
// and similar, and its result's Location depends on the machine's local zone.
// The result is in UTC for a zero offset, else in a fixed zone with the
// offset as written.
func parseRFC3339(s string) (time.Time, bool) {
	if len(s) < len("2006-01-02T15:04:05Z") ||
		s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' {
		return time.Time{}, false
	}
	year, ok1 := digits(s[0:4])
	month, ok2 := digits(s[5:7])
	day, ok3 := digits(s[8:10])
	hour, ok4 := digits(s[11:13])
	minute, ok5 := digits(s[14:16])
	second, ok6 := digits(s[17:19])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) ||
		month < 1 || month > 12 || day < 1 || day > daysIn(month, year) ||
		hour > 23 || minute > 59 || second > 59 {
		return time.Time{}, false
	}
	i := 19
	nanos := 0
	if s[i] == '.' {
		i++
		start := i
		for ; i < len(s) && isDigit(s[i]); i++ {
			if i-start < 9 { // finer than a nanosecond is dropped
				nanos = nanos*10 + int(s[i]-'0')
			}
		}
		if i == start {
			return time.Time{}, false
		}
		for n := i - start; n < 9; n++ {
			nanos *= 10
		}
	}
	loc := time.UTC
	switch zone := s[i:]; {
	case zone == "Z":
	case len(zone) == len("+07:00") && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':':
		zoneHours, okH := digits(zone[1:3])
		zoneMinutes, okM := digits(zone[4:6])
		if !okH || !okM || zoneHours > 23 || zoneMinutes > 59 {
			return time.Time{}, false
		}
		offset := zoneHours*3600 + zoneMinutes*60
		if zone[0] == '-' {
			offset = -offset
		}
		if offset != 0 {
			loc = time.FixedZone("", offset) // cached by the time package for whole hours
		}
	default:
		return time.Time{}, false
	}
	return time.Date(year, time.Month(month), day, hour, minute, second, nanos, loc), true
}

// digits reads a string of ASCII digits as a number.
func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}

func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}
