package identity

// NormalizeAddress returns the canonical form of a street address given as
// its two lines: line2 follows line1, then the words are folded (see the
// package documentation), the street part is written the way Publication 28
// writes it (house number, predirectional, name, suffix, postdirectional),
// a post office box becomes "PO BOX <n>", and every secondary unit becomes
// "#<id>" at the end, in the order written.
func NormalizeAddress(line1, line2 string) string {
	var out [192]byte
	return string(appendAddress(out[:0], line1, line2))
}

// aword is a word of an address and what the tables say about it. When a
// rule rewrites the word, info still describes the word as written.
type aword struct {
	span
	info *addrWord
}

// maxUnits is how many secondary units an address keeps before the rest
// are treated as street words; real addresses have one or two.
const maxUnits = 8

// appendAddress appends the canonical form of the address to dst.
func appendAddress(dst []byte, line1, line2 string) []byte {
	var bufArr [384]byte
	var wordArr, streetArr [40]aword
	var unitArr [maxUnits]span

	buf := appendFold(bufArr[:0], 0, line1, foldAddress)
	buf = appendSep(buf, 0, foldAddress)
	buf = trimSpace(appendFold(buf, 0, line2, foldAddress), 0)
	words := splitAddressWords(wordArr[:0], buf)

	street, units := streetArr[:0], unitArr[:0]
	var box span
	hasBox := false
	for i := 0; i < len(words); {
		if n := poBoxLen(buf, words[i:]); n > 0 {
			hasBox = true
			j := skipMarkers(words, i+n)
			if j < len(words) {
				box = words[j].span
				j++
			}
			i = j
			continue
		}
		if len(units) == maxUnits {
			street = append(street, words[i])
			i++
			continue
		}
		if i+1 < len(words) && words[i+1].info.floor {
			var id span
			var ok bool
			if buf, id, ok = ordinalNumber(buf, words[i]); ok {
				buf, id = unitText(buf, id, span{})
				units = append(units, id)
				i += 2
				continue
			}
		}
		if words[i].info.unit {
			j := skipMarkers(words, i+1)
			if j == len(words) {
				i = j // a designator with nothing after it says nothing
				continue
			}
			hash := j > i+1 || string(text(buf, words[i].span)) == "#"
			if hash || isUnitID(buf, words[j]) && poBoxLen(buf, words[j:]) == 0 {
				id, letter := words[j].span, span{}
				if value := words[j].info.number; value > 0 {
					buf, id = replace(buf, decimalText[value])
				}
				j++
				// "Apt 4 B" is "Apt 4B" when the letter ends the address
				// or another unit follows.
				if last := text(buf, id); isDigit(last[len(last)-1]) && j < len(words) &&
					words[j].end-words[j].start == 1 && isUpperASCII(buf[words[j].start]) &&
					(j+1 == len(words) || words[j+1].info.unit || poBoxLen(buf, words[j+1:]) > 0) {
					letter = words[j].span
					j++
				}
				buf, id = unitText(buf, id, letter)
				units = append(units, id)
				i = j
				continue
			}
			// Not followed by an identifier. Before another designator, a
			// PO box or a floor it says nothing; before anything else it is
			// a street word ("Unit Rd").
			if next := words[j]; next.info.unit || poBoxLen(buf, words[j:]) > 0 ||
				j+1 < len(words) && words[j+1].info.floor && isOrdinal(buf, next) {
				i++
				continue
			}
		}
		street = append(street, words[i])
		i++
	}

	buf, street = normalizeStreet(buf, street)
	for k, w := range street {
		if k > 0 {
			dst = append(dst, ' ')
		}
		dst = append(dst, text(buf, w.span)...)
	}
	if hasBox {
		if len(street) > 0 {
			dst = append(dst, ' ')
		}
		dst = append(dst, "PO BOX"...)
		if box.start != box.end {
			dst = append(dst, ' ')
			dst = append(dst, text(buf, box)...)
		}
	}
	for k, u := range units {
		if k > 0 || len(street) > 0 || hasBox {
			dst = append(dst, ' ')
		}
		dst = append(dst, text(buf, u)...)
	}
	return dst
}

// splitAddressWords appends the words of buf to words, cutting a unit
// designator glued to its identifier in two ("APT4B" is APT 4B).
func splitAddressWords(words []aword, buf []byte) []aword {
	start := 0
	for i := 0; i <= len(buf); i++ {
		if i < len(buf) && buf[i] != ' ' {
			continue
		}
		if i > start {
			w := buf[start:i]
			p := 0
			for p < len(w) && isUpperASCII(w[p]) {
				p++
			}
			if p > 0 && p < len(w) && isDigit(w[p]) {
				if info := lookupAddr(w[:p]); info.unit {
					cut := start + p
					words = append(words, aword{span{int32(start), int32(cut)}, info})
					start = cut
				}
			}
			words = append(words, aword{span{int32(start), int32(i)}, lookupAddr(buf[start:i])})
		}
		start = i + 1
	}
	return words
}

// poBoxLen returns how many words at the start of words spell "PO Box"
// (PO BOX, P O BOX, POB, P O B, POBOX, POST OFFICE BOX, POST BOX), or 0.
func poBoxLen(buf []byte, words []aword) int {
	at := func(i int) string {
		if i < len(words) {
			return string(text(buf, words[i].span))
		}
		return ""
	}
	switch at(0) {
	case "POB", "POBOX":
		return 1
	case "PO":
		if at(1) == "BOX" {
			return 2
		}
	case "P":
		if at(1) == "O" && (at(2) == "BOX" || at(2) == "B") {
			return 3
		}
	case "POST":
		if at(1) == "BOX" {
			return 2
		}
		if at(1) == "OFFICE" && at(2) == "BOX" {
			return 3
		}
	}
	return 0
}

// skipMarkers returns the index of the first word at or after i that is not
// a number marker ("#", "NO", "NUMBER").
func skipMarkers(words []aword, i int) int {
	for i < len(words) && words[i].info.marker {
		i++
	}
	return i
}

// isUnitID reports whether a word after a spelled-out designator is its
// identifier: it holds a digit, is a number word, or is one or two letters
// that are not a street suffix ("Apt B" is a unit, "Unit Rd" a street).
func isUnitID(buf []byte, w aword) bool {
	word := text(buf, w.span)
	for _, c := range word {
		if isDigit(c) {
			return true
		}
	}
	return w.info.number > 0 || len(word) <= 2 && w.info.suffix == ""
}

// unitText appends "#" + id + letter to buf and returns its span.
func unitText(buf []byte, id, letter span) ([]byte, span) {
	start := len(buf)
	buf = append(buf, '#')
	buf = append(buf, buf[id.start:id.end]...)
	buf = append(buf, buf[letter.start:letter.end]...)
	return buf, span{int32(start), int32(len(buf))}
}

// isOrdinal reports an ordinal word or a numeric ordinal ("SECOND", "2ND").
func isOrdinal(buf []byte, w aword) bool {
	return w.info.ordinal > 0 || numericOrdinal(text(buf, w.span)) > 0
}

// numericOrdinal returns how many digits start a numeric ordinal ("21ST"
// gives 2), or 0 when word is not one.
func numericOrdinal(word []byte) int {
	n := 0
	for n < len(word) && isDigit(word[n]) {
		n++
	}
	if n == 0 || n+2 != len(word) {
		return 0
	}
	switch string(word[n:]) {
	case "ST", "ND", "RD", "TH":
		return n
	}
	return 0
}

// ordinalNumber returns the digits of an ordinal: "2ND" gives 2, "SECOND"
// gives 2 (written to buf).
func ordinalNumber(buf []byte, w aword) ([]byte, span, bool) {
	if value := w.info.ordinal; value > 0 {
		buf, digits := replace(buf, decimalText[value])
		return buf, digits, true
	}
	if n := numericOrdinal(text(buf, w.span)); n > 0 {
		return buf, span{w.start, w.start + int32(n)}, true
	}
	return buf, span{}, false
}

// normalizeStreet writes the street part the Publication 28 way; the
// package documentation states the rules. It returns buf, which may have
// grown, and the words left.
func normalizeStreet(buf []byte, street []aword) ([]byte, []aword) {
	// A designator left at the end of the street part has no identifier
	// ("123 Main St Apt"): it says nothing.
	for len(street) > 0 && street[len(street)-1].info.unit {
		street = street[:len(street)-1]
	}
	if len(street) == 0 {
		return buf, street
	}

	// House number: digits first, else a number word ("One", "Twenty One")
	// when more words follow.
	start := 0
	if isDigit(buf[street[0].start]) {
		start = 1
	} else if value := street[0].info.number; value > 0 && len(street) > 1 {
		if value >= 20 && len(street) > 2 {
			if unit := street[1].info.number; unit > 0 && unit < 10 {
				value += unit
				street[1].span = span{}
			}
		}
		buf, street[0].span = replace(buf, decimalText[value])
		street = compactWords(street)
		start = 1
	}

	// Highway-style addresses ("Highway 50", "State Route 9", "US Hwy 1",
	// "County Road 12"): the designator, written one canonical way, stands
	// where a suffix stands, so a directional before it is a
	// predirectional and one after the route number a postdirectional.
	suffix := -1
	highway := false
	for k := start; k < len(street); k++ {
		if n, canon := highwayAt(buf, street, k); n > 0 {
			buf, street[k].span = replace(buf, canon)
			street[k].info = &plainWord
			for m := k + 1; m < k+n; m++ {
				street[m].span = span{}
			}
			street = compactWords(street)
			suffix, highway = k, true
			break
		}
	}
	// Suffix: the last suffix word after the house number.
	for k := len(street) - 1; k >= start && !highway; k-- {
		if street[k].info.suffix != "" {
			suffix = k
			break
		}
	}
	end := suffix
	if suffix < 0 {
		end = len(street)
	}

	// Predirectional: a directional first among several words before the
	// suffix, or before a highway designator; a lone directional before a
	// suffix is the street's name, spelled out ("W Ave" is "WEST AVE").
	// A single letter before ST stays a letter: lettered streets ("N St",
	// "E St NE" in Washington) outnumber abbreviated "North Streets".
	nameStart := start
	if end-start == 1 && suffix >= 0 && !highway {
		abbr := street[start].info.dir
		letterStreet := len(abbr) == 1 && street[suffix].info.suffix == "ST"
		if full := directionalNames[abbr]; full != "" && !letterStreet {
			buf, street[start].span = replace(buf, full)
			street[start].info = &plainWord
			nameStart++
		}
	}
	if end-start > 1 || highway && end-start == 1 {
		if abbr := street[start].info.dir; abbr != "" {
			if end-start > 2 {
				if both := compoundDirectional(abbr, street[start+1].info.dir); both != "" {
					abbr = both
					street[start+1].span = span{}
					nameStart++
				}
			}
			buf, street[start].span = replace(buf, abbr)
			nameStart++
		}
	}

	// Postdirectional: every directional after the suffix, or, without a
	// suffix, a directional last after at least one name word.
	if suffix >= 0 {
		for k := suffix + 1; k < len(street); k++ {
			abbr := street[k].info.dir
			if abbr == "" {
				continue
			}
			if k+1 < len(street) {
				if both := compoundDirectional(abbr, street[k+1].info.dir); both != "" {
					buf, street[k].span = replace(buf, both)
					street[k+1].span = span{}
					k++
					continue
				}
			}
			buf, street[k].span = replace(buf, abbr)
		}
	} else if last := len(street) - 1; last > nameStart {
		if abbr := street[last].info.dir; abbr != "" {
			if last-1 > nameStart {
				if both := compoundDirectional(street[last-1].info.dir, abbr); both != "" {
					abbr = both
					street[last-1].span = span{}
				}
			}
			buf, street[last].span = replace(buf, abbr)
		}
	}

	// Ordinals ("First" is 1ST, "Twenty First" 21ST), then suffixes and
	// name words, word by word, after the predirectional.
	for k := nameStart; k < len(street); k++ {
		w := street[k]
		if w.start == w.end || w.info.dir != "" && k > suffix && suffix >= 0 {
			continue // dropped, or a postdirectional already written
		}
		switch {
		case w.info.ordinal > 0:
			buf, street[k].span = replace(buf, ordinalText[w.info.ordinal])
		case w.info.number >= 20 && w.info.number%10 == 0 && k+1 < len(street) &&
			street[k+1].info.ordinal > 0 && street[k+1].info.ordinal < 10:
			buf, street[k].span = replace(buf, ordinalText[w.info.number+street[k+1].info.ordinal])
			street[k+1].span = span{}
			k++
		case w.info.suffix != "":
			buf, street[k].span = replace(buf, w.info.suffix)
		case w.info.nameAbbr != "":
			buf, street[k].span = replace(buf, w.info.nameAbbr)
		}
	}
	return buf, compactWords(street)
}

// highwayAt returns how many words at street[k] name a numbered highway's
// designator, and the designator's canonical text, when a route number (a
// word starting with a digit) follows; else 0. The designators are those
// Publication 28 section 237 writes, in their common variants: HWY, RTE,
// STATE HWY, STATE RTE (State Road too, and SR), US HWY (US Route, U S
// Highway, US alone), COUNTY RD (CR, CO RD), COUNTY HWY and COUNTY RTE.
func highwayAt(buf []byte, street []aword, k int) (int, string) {
	word := func(i int) string {
		if k+i < len(street) {
			return string(text(buf, street[k+i].span))
		}
		return ""
	}
	numbered := func(n int) bool {
		w := word(n)
		return w != "" && isDigit(w[0])
	}
	road := func(w string) string {
		switch w {
		case "HIGHWAY", "HIGHWY", "HIWAY", "HIWY", "HWAY", "HWY":
			return "HWY"
		case "ROUTE", "RTE", "RT":
			return "RTE"
		case "ROAD", "RD":
			return "RD"
		}
		return ""
	}
	first := word(0)
	switch first {
	case "US":
		if r := road(word(1)); (r == "HWY" || r == "RTE") && numbered(2) {
			return 2, "US HWY"
		}
		if numbered(1) {
			return 1, "US HWY"
		}
	case "U":
		if word(1) == "S" {
			if r := road(word(2)); (r == "HWY" || r == "RTE") && numbered(3) {
				return 3, "US HWY"
			}
		}
	case "STATE", "ST":
		switch road(word(1)) {
		case "HWY":
			if numbered(2) {
				return 2, "STATE HWY"
			}
		case "RTE", "RD":
			if numbered(2) {
				return 2, "STATE RTE"
			}
		}
	case "SR":
		if numbered(1) {
			return 1, "STATE RTE"
		}
	case "COUNTY", "CO", "CNTY":
		if r := road(word(1)); r != "" && numbered(2) {
			return 2, "COUNTY " + r
		}
	case "CR":
		if numbered(1) {
			return 1, "COUNTY RD"
		}
	default:
		if r := road(first); (r == "HWY" || r == "RTE") && numbered(1) {
			return 1, r
		}
	}
	return 0, ""
}

// compactWords drops the empty words.
func compactWords(words []aword) []aword {
	n := 0
	for _, w := range words {
		if w.start != w.end {
			words[n] = w
			n++
		}
	}
	return words[:n]
}
