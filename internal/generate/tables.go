package generate

import "strings"

// The tables below describe the synthetic world. Names of people, sellers
// and streets are common words combined at random: no real person or
// business is intended. Cities, states, ZIP prefixes, area codes and CBP
// port codes are plausible, not authoritative. Phone numbers use the
// fictional 555-01xx range and e-mail addresses the reserved example
// domains.

// cased is a word as people usually write it and in upper case, both
// computed once so rendering never converts case.
type cased struct {
	title, upper string
}

func casedList(words ...string) []cased {
	out := make([]cased, len(words))
	for i, w := range words {
		out[i] = cased{title: w, upper: strings.ToUpper(w)}
	}
	return out
}

// personName is a first or last name with the ASCII, lower-case form used
// in e-mail addresses.
type personName struct {
	cased
	email string
}

// asciiFold removes the accents and apostrophes of the names below.
var asciiFold = strings.NewReplacer(
	"á", "a", "é", "e", "í", "i", "ó", "o", "ú", "u", "ñ", "n", "ü", "u", "ö", "o",
	"ë", "e", "ễ", "e", "ç", "c", "'", "",
)

func personNames(words ...string) []personName {
	out := make([]personName, len(words))
	for i, w := range words {
		out[i] = personName{
			cased: cased{title: w, upper: strings.ToUpper(w)},
			email: strings.ToLower(asciiFold.Replace(w)),
		}
	}
	return out
}

var firstNames = personNames(
	"James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael", "Linda",
	"William", "Elizabeth", "David", "Barbara", "Richard", "Susan", "Joseph", "Jessica",
	"Thomas", "Sarah", "Charles", "Karen", "Christopher", "Nancy", "Daniel", "Lisa",
	"Matthew", "Betty", "Anthony", "Margaret", "Mark", "Sandra", "Donald", "Ashley",
	"Steven", "Kimberly", "Paul", "Emily", "Andrew", "Donna", "Joshua", "Michelle",
	"Kevin", "Carol", "Brian", "Amanda", "George", "Melissa", "Timothy", "Deborah",
	"Luis", "María", "José", "Ana", "Carlos", "Sofía", "Wei", "Mei", "Minh", "Linh",
	"Priya", "Arjun", "Aisha", "Omar", "Chloé", "Renée", "Zoë", "Noah", "Olivia",
	"Liam", "Emma", "Ethan", "Ava", "Mason", "Mia", "Lucas", "Harper", "Hiroshi", "Yuki",
)

var lastNames = personNames(
	"Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis",
	"Rodriguez", "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas",
	"Taylor", "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White",
	"Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young",
	"Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores",
	"Green", "Adams", "Nelson", "Baker", "Hall", "Rivera", "Campbell", "Mitchell",
	"Carter", "Roberts", "Chen", "Wang", "Kim", "Patel", "Shah", "Tran", "Park",
	"O'Brien", "Müller", "Muñoz", "García", "Nguyễn", "Kowalski", "Schmidt", "Rossi",
	"Cohen", "Murphy", "Sullivan", "Okafor", "Tanaka", "Yamamoto", "Singh", "Ali",
)

var streetNames = casedList(
	"Main", "Oak", "Maple", "Cedar", "Elm", "Washington", "Lake", "Hill", "Park", "Pine",
	"Sunset", "Highland", "Jefferson", "Lincoln", "Madison", "Church", "Spring", "Ridge",
	"River", "Forest", "Meadow", "Willow", "Chestnut", "Walnut", "Franklin", "Adams",
	"Jackson", "Center", "Mill", "Prospect", "Union", "Broad", "Market", "Cherry",
	"Birch", "Dogwood", "Magnolia", "Sycamore", "Hickory", "Laurel", "1st", "2nd", "3rd",
	"4th", "5th", "10th", "42nd", "Martin Luther King Jr", "Country Club", "Valley View",
)

// directions are the optional directional prefixes of a street, always
// written abbreviated.
var directions = []string{"N", "S", "E", "W"}

// streetSuffix is a street suffix in full and as the USPS abbreviation.
type streetSuffix struct {
	full, abbr cased
}

func streetSuffixes(pairs ...string) []streetSuffix {
	out := make([]streetSuffix, 0, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, streetSuffix{
			full: cased{title: pairs[i], upper: strings.ToUpper(pairs[i])},
			abbr: cased{title: pairs[i+1], upper: strings.ToUpper(pairs[i+1])},
		})
	}
	return out
}

var suffixes = streetSuffixes(
	"Street", "St", "Street", "St", "Street", "St", "Avenue", "Ave", "Avenue", "Ave",
	"Road", "Rd", "Drive", "Dr", "Lane", "Ln", "Court", "Ct", "Boulevard", "Blvd",
	"Place", "Pl", "Terrace", "Ter", "Circle", "Cir", "Parkway", "Pkwy", "Trail", "Trl",
)

// city is a US city with a ZIP prefix.
type city struct {
	name  cased
	state string
	zip3  uint16 // first three digits of its ZIP codes
	// weight is its share of recipients, roughly by population.
	weight uint16
}

var cities = func() []city {
	rows := []struct {
		name, state string
		zip3, area  uint16 // area: the city's telephone area code, for reference
		weight      uint16
	}{
		{"New York", "NY", 100, 212, 40}, {"Brooklyn", "NY", 112, 718, 30}, {"Bronx", "NY", 104, 718, 12},
		{"Los Angeles", "CA", 900, 213, 35}, {"Chicago", "IL", 606, 312, 25}, {"Houston", "TX", 770, 713, 22},
		{"Phoenix", "AZ", 850, 602, 15}, {"Philadelphia", "PA", 191, 215, 14}, {"San Antonio", "TX", 782, 210, 13},
		{"San Diego", "CA", 921, 619, 13}, {"Dallas", "TX", 752, 214, 12}, {"San Jose", "CA", 951, 408, 9},
		{"Austin", "TX", 787, 512, 9}, {"Jacksonville", "FL", 322, 904, 9}, {"Columbus", "OH", 432, 614, 8},
		{"Charlotte", "NC", 282, 704, 8}, {"Indianapolis", "IN", 462, 317, 8}, {"San Francisco", "CA", 941, 415, 8},
		{"Seattle", "WA", 981, 206, 7}, {"Denver", "CO", 802, 303, 7}, {"Washington", "DC", 200, 202, 6},
		{"Boston", "MA", 21, 617, 6}, {"Nashville", "TN", 372, 615, 6}, {"Detroit", "MI", 482, 313, 6},
		{"Portland", "OR", 972, 503, 6}, {"Las Vegas", "NV", 891, 702, 6}, {"Memphis", "TN", 381, 901, 6},
		{"Louisville", "KY", 402, 502, 6}, {"Baltimore", "MD", 212, 410, 5}, {"Milwaukee", "WI", 532, 414, 5},
		{"Albuquerque", "NM", 871, 505, 5}, {"Tucson", "AZ", 857, 520, 5}, {"Fresno", "CA", 937, 559, 5},
		{"Sacramento", "CA", 958, 916, 5}, {"Atlanta", "GA", 303, 404, 5}, {"Miami", "FL", 331, 305, 5},
		{"Omaha", "NE", 681, 402, 4}, {"Raleigh", "NC", 276, 919, 4}, {"Minneapolis", "MN", 554, 612, 4},
		{"Tulsa", "OK", 741, 918, 4}, {"Cleveland", "OH", 441, 216, 4}, {"Tampa", "FL", 336, 813, 4},
		{"New Orleans", "LA", 701, 504, 4}, {"Honolulu", "HI", 968, 808, 3}, {"Anchorage", "AK", 995, 907, 2},
		{"Salt Lake City", "UT", 841, 801, 2}, {"Pittsburgh", "PA", 152, 412, 3}, {"Cincinnati", "OH", 452, 513, 3},
		{"Kansas City", "MO", 641, 816, 4}, {"St. Louis", "MO", 631, 314, 3}, {"Buffalo", "NY", 142, 716, 3},
		{"Providence", "RI", 29, 401, 2}, {"Hartford", "CT", 61, 860, 2}, {"Newark", "NJ", 71, 973, 3},
		{"Jersey City", "NJ", 73, 201, 3}, {"Burlington", "VT", 54, 802, 1}, {"Portland", "ME", 41, 207, 1},
		{"Boise", "ID", 837, 208, 2}, {"Madison", "WI", 537, 608, 2}, {"Des Moines", "IA", 503, 515, 2},
		{"Springfield", "IL", 627, 217, 1}, {"El Paso", "TX", 799, 915, 5}, {"Laredo", "TX", 780, 956, 2},
	}
	out := make([]city, len(rows))
	for i, r := range rows {
		out[i] = city{name: cased{title: r.name, upper: strings.ToUpper(r.name)}, state: r.state, zip3: r.zip3, weight: r.weight}
	}
	return out
}()

var cityWeights, cityTotal = weightsOf(len(cities), func(i int) uint16 { return cities[i].weight })

// weightsOf collects n weights and their sum.
func weightsOf(n int, weight func(int) uint16) ([]uint16, int) {
	out := make([]uint16, n)
	total := 0
	for i := range out {
		out[i] = weight(i)
		total += int(out[i])
	}
	return out, total
}

// unitDesignators are the ways one apartment is written; the first is the
// canonical "Apt".
var unitDesignators = []cased{{"Apt", "APT"}, {"#", "#"}, {"Apt.", "APT."}, {"Unit", "UNIT"}}

// emailDomains are reserved for documentation (RFC 2606).
var emailDomains = []string{"example.com", "example.org", "example.net"}

// Carriers, in the order of the carrier constants.
const (
	carrierDHL = iota
	carrierUPS
	carrierFedEx
	carrierUSPS
	carrierAmazon
	carrierCainiao
	carrierYunExpress
	carrierCount
)

// clockStyle is how a carrier writes arrival_time.
type clockStyle uint8

const (
	clockUTC       clockStyle = iota // 2025-08-28T18:03:00Z
	clockLocal                       // 2025-08-28T14:03:00-04:00, in the port's zone
	clockUTCMillis                   // 2025-08-28T18:03:00.250Z
)

// carrier is one carrier's habits.
type carrier struct {
	name string
	// prefix and suffix frame the parcel id: prefix, the generator's seed
	// tag, a 10-digit counter, suffix.
	prefix, suffix string
	weight         uint16
	clock          clockStyle
	// localShare is the share of arrival times written in the port's local
	// zone by a carrier whose clock is clockUTC.
	localShare float64
	// eventIDs: the carrier sends an event_id of its own.
	eventIDs bool
	// numberShare is the share of values written as JSON numbers.
	numberShare float64
}

var carriers = [carrierCount]carrier{
	carrierDHL:        {name: "DHL", prefix: "JD01", weight: 16, clock: clockUTC, localShare: 0.3, eventIDs: true},
	carrierUPS:        {name: "UPS", prefix: "1Z", weight: 15, clock: clockLocal},
	carrierFedEx:      {name: "FedEx", prefix: "FX", weight: 14, clock: clockLocal, numberShare: 0.1},
	carrierUSPS:       {name: "USPS", prefix: "LX", suffix: "US", weight: 14, clock: clockUTC, localShare: 0.5},
	carrierAmazon:     {name: "Amazon Logistics", prefix: "TBA", weight: 15, clock: clockUTCMillis},
	carrierCainiao:    {name: "Cainiao", prefix: "LP00", weight: 15, clock: clockUTC, eventIDs: true, numberShare: 0.6},
	carrierYunExpress: {name: "YunExpress", prefix: "YT", weight: 11, clock: clockUTCMillis, numberShare: 0.4},
}

var carrierWeights, carrierTotal = weightsOf(carrierCount, func(i int) uint16 { return carriers[i].weight })

// Countries of origin (ISO 3166-1 alpha-2), China first and heaviest.
var origins = []string{"CN", "HK", "VN", "IN", "MX", "CA", "GB", "DE", "KR", "JP", "TR"}

var originWeights = []uint16{40, 6, 8, 7, 6, 6, 6, 5, 5, 5, 4}

// chinaOrigins are the origins of the Chinese consolidators' parcels.
var chinaOrigins, chinaOriginWeights = []string{"CN", "HK"}, []uint16{85, 15}

var originTotal = func() int {
	total := 0
	for _, w := range originWeights {
		total += int(w)
	}
	return total
}()

// Time zones of the ports of entry, in the order of Generator.zones.
const (
	zoneNewYork = iota
	zoneChicago
	zoneLosAngeles
	zoneAnchorage
	zoneCount
)

var zoneNames = [zoneCount]string{"America/New_York", "America/Chicago", "America/Los_Angeles", "America/Anchorage"}

// port is a CBP port of entry.
type port struct {
	code string
	zone uint8
}

var (
	airPorts = []port{
		{"4701", zoneNewYork}, {"2720", zoneLosAngeles}, {"3901", zoneChicago}, {"5206", zoneNewYork},
		{"2006", zoneChicago}, {"4196", zoneNewYork}, {"4101", zoneNewYork}, {"3126", zoneAnchorage},
		{"3029", zoneLosAngeles},
	}
	postalPorts = []port{
		{"4701", zoneNewYork}, {"2720", zoneLosAngeles}, {"5206", zoneNewYork}, {"2809", zoneLosAngeles},
		{"3901", zoneChicago},
	}
	mexicoPorts = []port{{"2304", zoneChicago}, {"2506", zoneLosAngeles}}
	canadaPorts = []port{{"3801", zoneNewYork}, {"0901", zoneNewYork}, {"3004", zoneLosAngeles}}
	oceanPorts  = []port{{"2704", zoneLosAngeles}, {"2709", zoneLosAngeles}, {"4601", zoneNewYork}, {"3001", zoneLosAngeles}, {"5301", zoneChicago}}
)

// Marketplaces, with the format of their order numbers.
type marketplace struct {
	name   string
	prefix string // order numbers: prefix, then digits grouped by groups
	groups []uint8
}

const (
	marketAmazon = iota
	marketTemu
	marketShein
	marketAliExpress
	marketEbay
	marketEtsy
	marketWalmart
	marketTikTok
	marketCount
)

var marketplaces = [marketCount]marketplace{
	marketAmazon:     {"Amazon", "", []uint8{3, 7, 7}},
	marketTemu:       {"Temu", "PO-211-", []uint8{17}},
	marketShein:      {"SHEIN", "GSH", []uint8{12}},
	marketAliExpress: {"AliExpress", "", []uint8{16}},
	marketEbay:       {"eBay", "", []uint8{2, 5, 5}},
	marketEtsy:       {"Etsy", "", []uint8{10}},
	marketWalmart:    {"Walmart Marketplace", "", []uint8{15}},
	marketTikTok:     {"TikTok Shop", "", []uint8{18}},
}

var (
	sellerPlaces = []string{"Shenzhen", "Guangzhou", "Yiwu", "Dongguan", "Hangzhou", "Ningbo", "Xiamen"}
	sellerWords  = []string{
		"Sunny", "Golden", "Bright", "Lucky", "Blue Ocean", "Happy", "Smart", "Star", "Green Leaf",
		"Red Maple", "Silver", "Jade", "Lotus", "Phoenix", "Harbor", "Northwind", "Evergreen", "Nova",
	}
	sellerKinds = []string{
		"Trading Co., Ltd.", "Home Store", "Electronics", "Apparel", "Outlet", "Supply",
		"Boutique", "Crafts", "Beauty", "Gadgets", "Toys", "Sports",
	}
)

// good is an entry of the catalogue.
type good struct {
	descriptions []string
	hts          string // full 10-digit HTS code with dots
	// minCents and maxCents bound the unit price.
	minCents, maxCents int64
	// category is set on restricted goods; categoryShare is the share of
	// parcels that write it (restricted goods without a restricted HTS code
	// always write it).
	category      string
	categoryShare float64
}

// goods is the ordinary catalogue: nothing in it is restricted by HTS code
// (chapters 22, 24 and 93, 3303.00.30) or category.
var goods = []good{
	{descriptions: []string{"Cotton T-shirt", "Men's cotton t-shirt", "T-SHIRT 100% COTTON"}, hts: "6109.10.0012", minCents: 400, maxCents: 3500},
	{descriptions: []string{"Women's cotton t-shirt", "Graphic tee"}, hts: "6109.10.0040", minCents: 400, maxCents: 3000},
	{descriptions: []string{"Wireless earbuds", "Bluetooth headset", "Smart watch"}, hts: "8517.62.0090", minCents: 1200, maxCents: 25000},
	{descriptions: []string{"Plush toy", "Building blocks set", "Toy car", "Doll"}, hts: "9503.00.0073", minCents: 500, maxCents: 8000},
	{descriptions: []string{"Backpack", "Handbag, textile", "Travel bag"}, hts: "4202.92.3131", minCents: 1200, maxCents: 15000},
	{descriptions: []string{"Running shoes", "Sneakers", "Athletic footwear"}, hts: "6404.19.3960", minCents: 1800, maxCents: 16000},
	{descriptions: []string{"Face cream", "Lipstick set", "Skin care serum", "Makeup palette"}, hts: "3304.99.5000", minCents: 500, maxCents: 9000},
	{descriptions: []string{"Laptop computer", "Tablet computer", "Notebook PC"}, hts: "8471.30.0100", minCents: 15000, maxCents: 180000},
	{descriptions: []string{"Smartphone", "Mobile phone"}, hts: "8517.13.0000", minCents: 9000, maxCents: 120000},
	{descriptions: []string{"Phone case", "Silicone phone cover"}, hts: "3926.90.9989", minCents: 200, maxCents: 2500},
	{descriptions: []string{"USB-C cable", "Charging cable"}, hts: "8544.42.9090", minCents: 200, maxCents: 2000},
	{descriptions: []string{"Phone charger", "USB power adapter"}, hts: "8504.40.9580", minCents: 500, maxCents: 4500},
	{descriptions: []string{"Headphones", "Over-ear headphones"}, hts: "8518.30.2000", minCents: 1500, maxCents: 35000},
	{descriptions: []string{"Women's dress", "Summer dress, polyester"}, hts: "6104.43.2010", minCents: 800, maxCents: 7000},
	{descriptions: []string{"Men's jeans", "Denim trousers"}, hts: "6203.42.4011", minCents: 1200, maxCents: 9000},
	{descriptions: []string{"Hoodie", "Sweatshirt, cotton"}, hts: "6110.20.2079", minCents: 1000, maxCents: 6000},
	{descriptions: []string{"Costume jewelry", "Fashion necklace", "Earrings, base metal"}, hts: "7117.19.9000", minCents: 200, maxCents: 4000},
	{descriptions: []string{"Wrist watch", "Quartz watch"}, hts: "9102.11.1000", minCents: 1500, maxCents: 60000},
	{descriptions: []string{"LED strip lights", "LED desk lamp"}, hts: "9405.42.8440", minCents: 600, maxCents: 6000},
	{descriptions: []string{"Yoga mat", "Resistance bands", "Fitness equipment"}, hts: "9506.91.0030", minCents: 800, maxCents: 9000},
	{descriptions: []string{"Video game console", "Game controller"}, hts: "9504.50.0000", minCents: 2000, maxCents: 55000},
	{descriptions: []string{"Sunglasses"}, hts: "9004.10.0000", minCents: 400, maxCents: 15000},
	{descriptions: []string{"Hair dryer", "Hair straightener"}, hts: "8516.31.0000", minCents: 1500, maxCents: 25000},
	{descriptions: []string{"Kitchen utensil set", "Silicone spatula set"}, hts: "3924.10.4000", minCents: 500, maxCents: 4500},
	{descriptions: []string{"Ceramic mug", "Ceramic vase"}, hts: "6912.00.4810", minCents: 500, maxCents: 4000},
	{descriptions: []string{"USB flash drive", "Memory card"}, hts: "8523.51.0000", minCents: 400, maxCents: 6000},
	{descriptions: []string{"Book", "Paperback novel"}, hts: "4901.99.0093", minCents: 500, maxCents: 4000},
	{descriptions: []string{"Drone with camera", "Quadcopter drone"}, hts: "8806.22.0000", minCents: 4000, maxCents: 90000},
	{descriptions: []string{"Computer monitor", "LCD monitor"}, hts: "8528.52.0000", minCents: 9000, maxCents: 70000},
	{descriptions: []string{"Winter jacket", "Down jacket"}, hts: "6201.40.2010", minCents: 3000, maxCents: 40000},
	{descriptions: []string{"Bed sheet set", "Pillowcases, cotton"}, hts: "6302.31.9020", minCents: 1000, maxCents: 8000},
	{descriptions: []string{"Socks, 5 pairs"}, hts: "6115.95.9000", minCents: 300, maxCents: 2000},
	{descriptions: []string{"Camera lens"}, hts: "9002.11.6000", minCents: 8000, maxCents: 150000},
	{descriptions: []string{"Tool set", "Screwdriver set"}, hts: "8205.40.0000", minCents: 600, maxCents: 8000},
	{descriptions: []string{"Bicycle light"}, hts: "8512.10.4000", minCents: 500, maxCents: 4000},
	{descriptions: []string{"Dog leash", "Pet collar"}, hts: "4201.00.6000", minCents: 300, maxCents: 3000},
	{descriptions: []string{"Makeup brushes"}, hts: "9603.30.6000", minCents: 300, maxCents: 4000},
	{descriptions: []string{"Leather handbag"}, hts: "4202.21.9000", minCents: 4000, maxCents: 250000},
}

// goodWeights make cheap goods commoner than dear ones: most parcels are
// worth $5 to $200, with a tail to $3000.
var goodWeights, goodTotal = weightsOf(len(goods), func(i int) uint16 {
	switch maxCents := goods[i].maxCents; {
	case maxCents <= 10000:
		return 6
	case maxCents <= 40000:
		return 3
	default:
		return 1
	}
})

// pricyGoods index the goods a split order is made of: things worth
// splitting.
var pricyGoods = []uint8{2, 7, 8, 12, 17, 20, 27, 28, 29, 32, 37}

// restrictedGoods are restricted by their HTS code, their category, or
// both.
var restrictedGoods = []good{
	{descriptions: []string{"Red wine 750ml", "Bottle of wine"}, hts: "2204.21.5040", minCents: 1500, maxCents: 9000, category: "alcohol", categoryShare: 0.4},
	{descriptions: []string{"Cigarettes, 1 carton"}, hts: "2402.20.8000", minCents: 4000, maxCents: 9500, category: "tobacco", categoryShare: 0.4},
	{descriptions: []string{"Whisky 700ml", "Sake 720ml"}, hts: "2208.30.6040", minCents: 3000, maxCents: 15000, category: "alcohol", categoryShare: 1},
	{descriptions: []string{"Lithium battery pack", "Spare lithium-ion batteries"}, hts: "8507.60.0020", minCents: 1500, maxCents: 12000, category: "hazmat", categoryShare: 1},
	{descriptions: []string{"Spray paint, aerosol"}, hts: "3208.20.0000", minCents: 500, maxCents: 2500, category: "hazmat", categoryShare: 1},
	{descriptions: []string{"Butane lighter refill"}, hts: "3606.10.0000", minCents: 500, maxCents: 2000, category: "hazmat", categoryShare: 1},
}

// itemCountWeights are the weights of 1 to 5 items in a parcel.
var itemCountWeights = []uint16{45, 25, 15, 9, 6}

const itemCountTotal = 100
