package generate

import (
	"strconv"
	"time"
)

// flaw is how a bad message breaks the contract.
type flaw uint8

const (
	flawNone          flaw = iota
	flawTruncated          // the JSON stops part way
	flawMissing            // a required member is left out
	flawNegative           // an item's value is negative
	flawThreeDecimals      // an item's value has three decimal places
	flawCurrency           // an item's currency has no rate ("XYZ")
	flawNoOffset           // arrival_time has no offset
	flawItemsNotArray      // items is an object or a string
	flawCount
)

// Required members a flawMissing message leaves out.
const (
	missingParcelID = iota
	missingCarrier
	missingArrival
	missingRecipient
	missingItems
	missingName
	missingAddress
	missingCity
	missingState
	missingPostalCode
	missingDescription
	missingOrigin
	missingValue
	missingCount
)

// Streams of a spec's seed.
const (
	streamParcel = 1 + iota
	streamOrder
	streamFlaw
)

// Mode of transport.
const (
	modeAir = iota
	modePostal
	modeTruck
	modeRail
	modeOcean
)

var modeNames = []string{"air", "postal", "truck", "rail", "ocean"}

// render appends the key and the value of spec to key and value. It is a
// pure function of spec and the Generator's fixed fields.
func (g *Generator) render(key, value []byte, spec *parcelSpec) ([]byte, []byte) {
	src := newSource(spec.seed, streamParcel)
	order := newSource(spec.orderSeed, streamOrder)
	c := &carriers[spec.carrier]

	// What breaks a bad message, drawn from its own stream so the rest of
	// the message is drawn as for a valid one.
	missing, flawItem := -1, 0
	var flawSrc source
	if spec.flaw != flawNone {
		flawSrc = newSource(spec.seed, streamFlaw)
		if spec.flaw == flawMissing {
			missing = flawSrc.intn(missingCount)
		}
		flawItem = flawSrc.intn(1 << 16)
	}

	idStart := len(key)
	key = g.appendParcelID(key, spec, c)
	parcelID := key[idStart:]

	// The order: where it comes from and who sold it.
	consolidator := spec.carrier == carrierCainiao || spec.carrier == carrierYunExpress
	var origin string
	if consolidator && spec.kind != KindSplit {
		origin = chinaOrigins[order.weighted(chinaOriginWeights, 100)]
	} else {
		origin = origins[order.weighted(originWeights, originTotal)]
	}
	market := pickMarketplace(&order, spec)
	sellerPlace := -1
	if (origin == "CN" || origin == "HK") && order.chance(0.7) {
		sellerPlace = order.intn(len(sellerPlaces))
	}
	sellerWord, sellerKind := order.intn(len(sellerWords)), order.intn(len(sellerKinds))
	orderNumber := order.uint64()
	writeOrder := spec.kind == KindSplit
	writeSeller, writeMarket, writeOrderID := writeOrder || src.chance(0.7), writeOrder || src.chance(0.75), writeOrder || src.chance(0.6)

	mode := pickMode(&src, spec.carrier, origin)
	p := pickPort(&src, mode, origin)
	zone := g.zones[p.zone]

	start := len(value)
	b := append(value, '{')
	if missing != missingParcelID {
		b = appendKey(b, "parcel_id")
		b = appendQuoted(b, parcelID)
	}
	if c.eventIDs {
		b = appendKey(b, "event_id")
		b = append(b, '"')
		b = append(b, parcelID...)
		b = append(b, "-1\""...)
	}
	if src.chance(0.1) {
		b = appendKey(b, "type")
		b = append(b, `"parcel"`...)
	}
	if missing != missingCarrier {
		b = appendKey(b, "carrier")
		b = appendString(b, c.name)
	}
	if mode != modeAir || src.chance(0.7) {
		b = appendKey(b, "mode")
		b = appendString(b, modeNames[mode])
	}
	if src.chance(0.9) {
		b = appendKey(b, "port_of_entry")
		b = appendString(b, p.code)
	}
	if missing != missingArrival {
		b = appendKey(b, "arrival_time")
		b = g.appendArrival(b, &src, spec, c, zone)
	}
	if writeSeller && src.chance(0.6) {
		b = appendKey(b, "shipper")
		b = append(b, '{')
		b = appendKey(b, "name")
		b = appendSeller(b, sellerPlace, sellerWord, sellerKind)
		b = appendKey(b, "country")
		b = appendString(b, origin)
		b = append(b, '}')
	}
	if writeSeller {
		b = appendKey(b, "seller")
		b = appendSeller(b, sellerPlace, sellerWord, sellerKind)
	}
	if writeMarket {
		b = appendKey(b, "marketplace")
		b = appendString(b, marketplaces[market].name)
	}
	if writeOrderID {
		b = appendKey(b, "order_id")
		b = appendOrderNumber(b, &marketplaces[market], orderNumber)
	}
	if missing != missingRecipient {
		b = appendKey(b, "recipient")
		b = g.appendRecipient(b, &src, spec, missing)
	}
	if missing != missingItems {
		b = appendKey(b, "items")
		b = appendItems(b, &src, spec, c, origin, missing, flawItem)
	}
	b = append(b, '}')

	if spec.flaw == flawTruncated {
		// Any proper prefix of an object is invalid JSON; keep at least
		// the opening brace and lose at least the closing one.
		size := len(b) - start
		b = b[:start+1+flawSrc.intn(size-1)]
	}
	return key, b
}

// appendParcelID appends the carrier's prefix, the seed tag, the serial in
// ten digits and the carrier's suffix.
func (g *Generator) appendParcelID(b []byte, spec *parcelSpec, c *carrier) []byte {
	b = append(b, c.prefix...)
	b = append(b, g.tag[:]...)
	b = appendPadded(b, spec.serial%1e10, 10)
	return append(b, c.suffix...)
}

// pickMarketplace chooses the order's marketplace. The consolidators'
// parcels come mostly from the Chinese marketplaces and Amazon Logistics
// carries Amazon orders, but a split order's parts, carried by different
// carriers, share one marketplace drawn from the order alone.
func pickMarketplace(order *source, spec *parcelSpec) int {
	u := order.float()
	if spec.kind != KindSplit {
		switch spec.carrier {
		case carrierAmazon:
			if u < 0.9 {
				return marketAmazon
			}
		case carrierCainiao:
			if u < 0.7 {
				return marketAliExpress
			}
			if u < 0.85 {
				return marketTemu
			}
		case carrierYunExpress:
			if u < 0.4 {
				return marketShein
			}
			if u < 0.8 {
				return marketTemu
			}
		}
	}
	return order.intn(marketCount)
}

// pickMode chooses the mode of transport: land from Canada and Mexico,
// postal for the posts, mostly air otherwise.
func pickMode(src *source, carrierIndex uint8, origin string) int {
	u := src.float()
	switch {
	case origin == "MX" || origin == "CA":
		switch {
		case u < 0.65:
			return modeTruck
		case u < 0.70:
			return modeRail
		}
	case carrierIndex == carrierUSPS:
		if u < 0.85 {
			return modePostal
		}
	case carrierIndex == carrierCainiao || carrierIndex == carrierYunExpress:
		if u < 0.2 {
			return modePostal
		}
	case carrierIndex == carrierAmazon:
		if u < 0.08 {
			return modeOcean
		}
	default:
		if u < 0.03 {
			return modeOcean
		}
	}
	return modeAir
}

// pickPort chooses a port of entry that takes the mode.
func pickPort(src *source, mode int, origin string) port {
	var ports []port
	switch mode {
	case modePostal:
		ports = postalPorts
	case modeOcean:
		ports = oceanPorts
	case modeTruck, modeRail:
		ports = canadaPorts
		if origin == "MX" {
			ports = mexicoPorts
		}
	default:
		ports = airPorts
	}
	return ports[src.intn(len(ports))]
}

// Layouts of arrival_time.
const (
	layoutUTC       = "2006-01-02T15:04:05Z07:00"
	layoutUTCMillis = "2006-01-02T15:04:05.000Z07:00"
	layoutLocal     = "2006-01-02T15:04:05-07:00"
	layoutNoOffset  = "2006-01-02T15:04:05"
)

// appendArrival appends the quoted arrival time the way the carrier writes
// it.
func (g *Generator) appendArrival(b []byte, src *source, spec *parcelSpec, c *carrier, zone *time.Location) []byte {
	t := time.Unix(0, spec.arrival)
	local := c.clock == clockLocal || (c.clock == clockUTC && src.chance(c.localShare))
	b = append(b, '"')
	switch {
	case spec.flaw == flawNoOffset:
		b = t.In(zone).AppendFormat(b, layoutNoOffset)
	case c.clock == clockUTCMillis:
		b = t.UTC().AppendFormat(b, layoutUTCMillis)
	case local:
		b = t.In(zone).AppendFormat(b, layoutLocal)
	default:
		b = t.UTC().AppendFormat(b, layoutUTC)
	}
	return append(b, '"')
}

// appendSeller appends a quoted synthetic seller name.
func appendSeller(b []byte, place, word, kind int) []byte {
	b = append(b, '"')
	if place >= 0 {
		b = append(b, sellerPlaces[place]...)
		b = append(b, ' ')
	}
	b = append(b, sellerWords[word]...)
	b = append(b, ' ')
	b = append(b, sellerKinds[kind]...)
	return append(b, '"')
}

// appendOrderNumber appends a quoted order number in the marketplace's
// format, its digits taken from number.
func appendOrderNumber(b []byte, m *marketplace, number uint64) []byte {
	b = append(b, '"')
	b = append(b, m.prefix...)
	digits := newSource(number, 0)
	for i, group := range m.groups {
		if i > 0 {
			b = append(b, '-')
		}
		for range group {
			b = append(b, byte('0'+digits.intn(10)))
		}
	}
	return append(b, '"')
}

// appendItems appends the items array (or, for flawItemsNotArray, what a
// carrier wrote instead).
func appendItems(b []byte, src *source, spec *parcelSpec, c *carrier, origin string, missing, flawItem int) []byte {
	// The items' values: free for ordinary parcels, a given total spread
	// over 1 to 3 items for a split order's parts.
	var values [5]int64
	var goodsOf [5]*good
	count := 1
	if spec.valueCents > 0 {
		count = 1 + src.intn(3)
		remaining := spec.valueCents
		for i := range count {
			value := remaining
			if left := int64(count - 1 - i); left > 0 {
				// At least $1 for every later item, and mostly a fair
				// share for this one.
				value = src.between(100, remaining-left*100)
				if even := remaining / (left + 1); value < even/2 {
					value += even / 2
				}
			}
			remaining -= value
			values[i] = value
			goodsOf[i] = &goods[pricyGoods[src.intn(len(pricyGoods))]]
		}
	} else {
		count = 1 + src.weighted(itemCountWeights, itemCountTotal)
		for i := range count {
			goodsOf[i] = &goods[src.weighted(goodWeights, goodTotal)]
		}
	}
	if spec.kind == KindRestricted {
		goodsOf[src.intn(count)] = &restrictedGoods[src.intn(len(restrictedGoods))]
	}
	// The low bits of flawItem choose the item a flaw touches, a higher
	// one what stands in for the array.
	asString := flawItem>>8&1 == 1
	flawItem %= count

	if spec.flaw == flawItemsNotArray && asString {
		return append(b, `"see commercial invoice"`...)
	}
	if spec.flaw != flawItemsNotArray {
		b = append(b, '[')
	}
	for i := range count {
		if i > 0 {
			b = append(b, ',')
		}
		itemMissing := -1
		if i == flawItem {
			itemMissing = missing
		}
		itemFlaw := flawNone
		if i == flawItem {
			itemFlaw = spec.flaw
		}
		b = appendItem(b, src, goodsOf[i], values[i], c, origin, itemFlaw, itemMissing)
		if spec.flaw == flawItemsNotArray {
			// An object where the array belongs: the first item alone.
			return b
		}
	}
	return append(b, ']')
}

// appendItem appends one item object. value is the line's value in cents,
// or 0 to draw it from the good's price range.
func appendItem(b []byte, src *source, it *good, value int64, c *carrier, origin string, itemFlaw flaw, missing int) []byte {
	// Several of a cheap thing, one of a dear one.
	quantity := 0 // not written
	switch u := src.float(); {
	case u < 0.12:
		quantity = 1
	case u < 0.25 && it.maxCents <= 10000:
		quantity = 2 + src.intn(5)
	}
	if value == 0 {
		value = drawPrice(src, it) * int64(max(quantity, 1))
		value = min(value, 300000)
	}
	if origin != "CN" && src.chance(0.15) {
		origin = "CN" // made in China, sold from elsewhere
	}

	b = append(b, '{')
	if missing != missingDescription {
		b = appendKey(b, "description")
		b = appendString(b, it.descriptions[src.intn(len(it.descriptions))])
	}
	// Carriers write HTS codes in full, without dots, to the 6- or 8-digit
	// level, or not at all; a restricted code is always written.
	htsStyle := src.intn(10)
	if it.category != "" && htsStyle >= 8 {
		htsStyle = 0
	}
	switch {
	case htsStyle < 5:
		b = appendKey(b, "hts_code")
		b = appendString(b, it.hts)
	case htsStyle == 5:
		b = appendKey(b, "hts_code")
		b = append(b, '"')
		for i := 0; i < len(it.hts); i++ {
			if it.hts[i] != '.' {
				b = append(b, it.hts[i])
			}
		}
		b = append(b, '"')
	case htsStyle == 6:
		b = appendKey(b, "hts_code")
		b = appendString(b, it.hts[:7]) // 6109.10
	case htsStyle == 7:
		b = appendKey(b, "hts_code")
		b = appendString(b, it.hts[:10]) // 6109.10.00
	}
	if missing != missingOrigin {
		b = appendKey(b, "origin_country")
		b = appendString(b, origin)
	}
	if quantity > 0 {
		b = appendKey(b, "quantity")
		b = strconv.AppendInt(b, int64(quantity), 10)
	}
	if missing != missingValue {
		b = appendKey(b, "value")
		asNumber := src.chance(c.numberShare)
		trimmed := asNumber || src.chance(0.15)
		if !asNumber {
			b = append(b, '"')
		}
		switch itemFlaw {
		case flawNegative:
			b = append(b, '-')
			b = appendCents(b, value, trimmed)
		case flawThreeDecimals:
			b = appendCents(b, value, false)
			b = append(b, byte('1'+src.intn(9)))
		default:
			b = appendCents(b, value, trimmed)
		}
		if !asNumber {
			b = append(b, '"')
		}
	}
	switch {
	case itemFlaw == flawCurrency:
		b = appendKey(b, "currency")
		b = append(b, `"XYZ"`...)
	case src.chance(0.2):
		b = appendKey(b, "currency")
		b = append(b, `"USD"`...)
	}
	if it.category != "" && src.chance(it.categoryShare) {
		b = appendKey(b, "category")
		b = appendString(b, it.category)
	}
	return append(b, '}')
}

// drawPrice draws a unit price in cents from the good's range, skewed to
// the cheap end (the cube of a uniform draw) and ending like shop prices.
// It uses integers only, so every platform draws the same price.
func drawPrice(src *source, it *good) int64 {
	t := src.below(1 << 20)
	cube := (t * t >> 20) * t >> 20
	cents := it.minCents + int64(uint64(it.maxCents-it.minCents)*cube>>20)
	switch u := src.intn(10); {
	case u < 4:
		cents = cents/100*100 + 99
	case u < 6:
		cents = max(cents/100*100, 100)
	}
	return cents
}

// appendCents appends cents as a decimal: always two places, or with
// trailing zeros (and a bare point) left out when trimmed.
func appendCents(b []byte, cents int64, trimmed bool) []byte {
	b = strconv.AppendInt(b, cents/100, 10)
	frac := cents % 100
	switch {
	case trimmed && frac == 0:
		return b
	case trimmed && frac%10 == 0:
		return append(b, '.', byte('0'+frac/10))
	default:
		return append(b, '.', byte('0'+frac/10), byte('0'+frac%10))
	}
}

// appendPadded appends n in decimal, zero-padded to width digits.
func appendPadded(b []byte, n uint64, width int) []byte {
	var digits [20]byte
	i := len(digits)
	for n > 0 || i > len(digits)-width {
		i--
		digits[i] = byte('0' + n%10)
		n /= 10
	}
	return append(b, digits[i:]...)
}

// appendKey appends an object member's name and colon, after a comma
// unless it is the object's first member.
func appendKey(b []byte, name string) []byte {
	if b[len(b)-1] != '{' {
		b = append(b, ',')
	}
	b = append(b, '"')
	b = append(b, name...)
	return append(b, '"', ':')
}

// appendString appends s quoted. The generator's strings all come from its
// own tables, which hold no character JSON must escape (a test checks), so
// s is copied as is.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// appendQuoted is appendString for bytes.
func appendQuoted(b []byte, s []byte) []byte {
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
