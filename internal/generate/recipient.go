package generate

import "strconv"

// recipient is one member of the synthetic population, derived on demand
// from the generator's recipient seed and its index. Fields are indexes
// into the tables.
type recipient struct {
	first, last uint8
	street      uint8
	suffix      uint8
	city        uint8
	direction   int8 // index into directions, or -1
	house       uint16
	unitNumber  uint16 // 0: no unit
	unitLetter  byte   // 0: none
	zip         uint32 // five digits
	plus4       uint16
	index       uint32 // in the population: makes phone and e-mail unique
	phone       uint8  // 0: none, else a phone style
	email       uint8  // 0: none, else an e-mail style
	emailDomain uint8
	usual       recipientStyle // how the recipient is usually written
}

// recipientStyle is one way of writing a recipient.
type recipientStyle struct {
	// name: 1 "John Smith", 2 "JOHN SMITH", 3 "Smith, John", 4 "SMITH, JOHN".
	name        uint8
	upper       bool  // address and city in upper case
	fullSuffix  bool  // "Street" rather than "St"
	suffixDot   bool  // "St." rather than "St"
	unit        uint8 // index into unitDesignators
	unitInLine1 bool  // "12 Oak St Apt 4B" rather than a second line
	zip4        bool  // ZIP+4 rather than ZIP
	country     bool  // writes "country": "US"
	phone       bool
	email       bool
}

// recipientAt derives recipient index of the population.
func (g *Generator) recipientAt(index uint32) recipient {
	src := newSource(g.recipientSeed, uint64(index))
	r := recipient{
		index:     index,
		first:     uint8(src.intn(len(firstNames))),
		last:      uint8(src.intn(len(lastNames))),
		street:    uint8(src.intn(len(streetNames))),
		suffix:    uint8(src.intn(len(suffixes))),
		city:      uint8(src.weighted(cityWeights, cityTotal)),
		direction: -1,
	}
	switch u := src.intn(100); {
	case u < 20:
		r.house = uint16(src.between(1, 99))
	case u < 65:
		r.house = uint16(src.between(100, 999))
	case u < 95:
		r.house = uint16(src.between(1000, 9999))
	default:
		r.house = uint16(src.between(10000, 29999))
	}
	if src.chance(0.1) {
		r.direction = int8(src.intn(len(directions)))
	}
	if src.chance(0.3) {
		if src.chance(0.6) {
			r.unitNumber = uint16(src.between(1, 30))
			r.unitLetter = byte('A' + src.intn(8))
		} else {
			r.unitNumber = uint16(src.between(101, 2599))
		}
	}
	r.zip = uint32(cities[r.city].zip3)*100 + uint32(src.between(1, 99))
	r.plus4 = uint16(src.between(1, 9999))
	if src.chance(0.6) {
		r.phone = uint8(1 + src.intn(3))
	}
	if src.chance(0.5) {
		r.email = uint8(1 + src.intn(3))
		r.emailDomain = uint8(src.intn(len(emailDomains)))
	}
	r.usual = recipientStyle{
		name:        1,
		upper:       src.chance(0.2),
		fullSuffix:  src.chance(0.3),
		unit:        0,
		unitInLine1: src.chance(0.2),
		zip4:        src.chance(0.25),
		country:     src.chance(0.2),
		phone:       r.phone != 0,
		email:       r.email != 0,
	}
	if src.chance(0.15) {
		r.usual.name = 2
	}
	if src.chance(0.3) {
		r.usual.unit = 1
	}
	return r
}

// styleFor returns how spec writes its recipient: the usual way, or for a
// split part its own name style with the rest drawn from src.
func styleFor(r *recipient, spec *parcelSpec, src *source) recipientStyle {
	if spec.nameStyle == 0 {
		return r.usual
	}
	return recipientStyle{
		name:        spec.nameStyle,
		upper:       src.chance(0.4),
		fullSuffix:  src.chance(0.5),
		suffixDot:   src.chance(0.2),
		unit:        uint8(src.intn(3)),
		unitInLine1: src.chance(0.3),
		zip4:        src.chance(0.5),
		country:     src.chance(0.3),
		phone:       r.phone != 0 && src.chance(0.5),
		email:       r.email != 0 && src.chance(0.5),
	}
}

// pick returns the title or upper-case form of a word.
func pick(w cased, upper bool) string {
	if upper {
		return w.upper
	}
	return w.title
}

// appendRecipient appends the recipient object of spec, leaving out the
// member missing names, if any.
func (g *Generator) appendRecipient(b []byte, src *source, spec *parcelSpec, missing int) []byte {
	r := g.recipientAt(spec.recipient)
	style := styleFor(&r, spec, src)
	first, last := &firstNames[r.first], &lastNames[r.last]
	c := &cities[r.city]

	b = append(b, '{')
	if missing != missingName {
		b = appendKey(b, "name")
		b = append(b, '"')
		upper := style.name == 2 || style.name == 4
		if style.name >= 3 {
			b = append(b, pick(last.cased, upper)...)
			b = append(b, ", "...)
			b = append(b, pick(first.cased, upper)...)
		} else {
			b = append(b, pick(first.cased, upper)...)
			b = append(b, ' ')
			b = append(b, pick(last.cased, upper)...)
		}
		b = append(b, '"')
	}
	if missing != missingAddress {
		b = appendKey(b, "address_line1")
		b = append(b, '"')
		b = strconv.AppendUint(b, uint64(r.house), 10)
		b = append(b, ' ')
		if r.direction >= 0 {
			b = append(b, directions[r.direction]...)
			b = append(b, ' ')
		}
		b = append(b, pick(streetNames[r.street], style.upper)...)
		b = append(b, ' ')
		suffix := &suffixes[r.suffix]
		if style.fullSuffix {
			b = append(b, pick(suffix.full, style.upper)...)
		} else {
			b = append(b, pick(suffix.abbr, style.upper)...)
			if style.suffixDot {
				b = append(b, '.')
			}
		}
		if r.unitNumber != 0 && style.unitInLine1 {
			b = append(b, ' ')
			b = appendUnit(b, &r, style)
		}
		b = append(b, '"')
	}
	if r.unitNumber != 0 && !style.unitInLine1 {
		b = appendKey(b, "address_line2")
		b = append(b, '"')
		b = appendUnit(b, &r, style)
		b = append(b, '"')
	}
	if missing != missingCity {
		b = appendKey(b, "city")
		b = appendString(b, pick(c.name, style.upper))
	}
	if missing != missingState {
		b = appendKey(b, "state")
		b = appendString(b, c.state)
	}
	if missing != missingPostalCode {
		b = appendKey(b, "postal_code")
		b = append(b, '"')
		b = appendPadded(b, uint64(r.zip), 5)
		if style.zip4 {
			b = append(b, '-')
			b = appendPadded(b, uint64(r.plus4), 4)
		}
		b = append(b, '"')
	}
	if style.country {
		b = appendKey(b, "country")
		b = append(b, `"US"`...)
	}
	if style.phone {
		b = appendKey(b, "phone")
		b = appendPhone(b, &r)
	}
	if style.email {
		b = appendKey(b, "email")
		b = appendEmail(b, &r, first, last)
	}
	return append(b, '}')
}

// appendUnit appends the apartment: "Apt 4B", "#4B", "Apt. 4B".
func appendUnit(b []byte, r *recipient, style recipientStyle) []byte {
	b = append(b, pick(unitDesignators[style.unit], style.upper)...)
	if unitDesignators[style.unit].title != "#" {
		b = append(b, ' ')
	}
	b = strconv.AppendUint(b, uint64(r.unitNumber), 10)
	if r.unitLetter != 0 {
		b = append(b, r.unitLetter)
	}
	return b
}

// appendPhone appends a quoted fictional number, unique to the recipient,
// in one of three common formats. The area code starts with 1, which no
// North American area code does, so no number is anyone's.
func appendPhone(b []byte, r *recipient) []byte {
	area := 100 + uint64(r.index/10000%100)
	line := uint64(r.index % 10000)
	b = append(b, '"')
	switch r.phone {
	case 1: // (142) 555-0147
		b = append(b, '(')
		b = strconv.AppendUint(b, area, 10)
		b = append(b, ") 555-"...)
	case 2: // 142-555-0147
		b = strconv.AppendUint(b, area, 10)
		b = append(b, "-555-"...)
	default: // +11425550147
		b = append(b, "+1"...)
		b = strconv.AppendUint(b, area, 10)
		b = append(b, "555"...)
	}
	b = appendPadded(b, line, 4)
	return append(b, '"')
}

// appendEmail appends a quoted address at a reserved example domain.
func appendEmail(b []byte, r *recipient, first, last *personName) []byte {
	b = append(b, '"')
	switch r.email {
	case 1: // john.smith.4711@
		b = append(b, first.email...)
		b = append(b, '.')
		b = append(b, last.email...)
		b = append(b, '.')
	case 2: // jsmith4711@
		b = append(b, first.email[0])
		b = append(b, last.email...)
	default: // john_smith4711@
		b = append(b, first.email...)
		b = append(b, '_')
		b = append(b, last.email...)
	}
	// The recipient's index keeps addresses unique: two John Smiths are
	// not one person.
	b = strconv.AppendUint(b, uint64(r.index), 10)
	b = append(b, '@')
	b = append(b, emailDomains[r.emailDomain]...)
	return append(b, '"')
}
