package identity

import "strconv"

// streetSuffixes maps a street suffix, written in full or in one of its
// common variants, to its USPS Publication 28 Appendix C1 standard
// abbreviation. Keys and values are upper-case ASCII, as the folder emits
// them. Every standard abbreviation maps to itself, so folding is
// idempotent.
var streetSuffixes = map[string]string{
	"ALLEE": "ALY", "ALLEY": "ALY", "ALLY": "ALY", "ALY": "ALY",
	"ANEX": "ANX", "ANNEX": "ANX", "ANNX": "ANX", "ANX": "ANX",
	"ARC": "ARC", "ARCADE": "ARC",
	"AV": "AVE", "AVE": "AVE", "AVEN": "AVE", "AVENU": "AVE", "AVENUE": "AVE", "AVN": "AVE", "AVNUE": "AVE",
	"BAYOO": "BYU", "BAYOU": "BYU", "BYU": "BYU",
	"BCH": "BCH", "BEACH": "BCH",
	"BEND": "BND", "BND": "BND",
	"BLF": "BLF", "BLUF": "BLF", "BLUFF": "BLF",
	"BOT": "BTM", "BOTTM": "BTM", "BOTTOM": "BTM", "BTM": "BTM",
	"BLVD": "BLVD", "BOUL": "BLVD", "BOULEVARD": "BLVD", "BOULV": "BLVD", "BLVRD": "BLVD",
	"BR": "BR", "BRANCH": "BR", "BRNCH": "BR",
	"BRDGE": "BRG", "BRG": "BRG", "BRIDGE": "BRG",
	"BRK": "BRK", "BROOK": "BRK",
	"BYP": "BYP", "BYPA": "BYP", "BYPAS": "BYP", "BYPASS": "BYP", "BYPS": "BYP",
	"CAMP": "CP", "CMP": "CP", "CP": "CP",
	"CANYN": "CYN", "CANYON": "CYN", "CNYN": "CYN", "CYN": "CYN",
	"CAPE": "CPE", "CPE": "CPE",
	"CAUSEWAY": "CSWY", "CAUSWA": "CSWY", "CSWY": "CSWY",
	"CEN": "CTR", "CENT": "CTR", "CENTER": "CTR", "CENTR": "CTR", "CENTRE": "CTR", "CNTER": "CTR", "CNTR": "CTR", "CTR": "CTR",
	"CIR": "CIR", "CIRC": "CIR", "CIRCL": "CIR", "CIRCLE": "CIR", "CRCL": "CIR", "CRCLE": "CIR",
	"CLF": "CLF", "CLIFF": "CLF",
	"CLB": "CLB", "CLUB": "CLB",
	"CMN": "CMN", "COMMON": "CMN",
	"COR": "COR", "CORNER": "COR",
	"COURSE": "CRSE", "CRSE": "CRSE",
	"COURT": "CT", "CRT": "CT", "CT": "CT",
	"COVE": "CV", "CV": "CV",
	"CREEK": "CRK", "CRK": "CRK",
	"CRES": "CRES", "CRESCENT": "CRES", "CRSENT": "CRES", "CRSNT": "CRES",
	"CROSSING": "XING", "CRSSNG": "XING", "XING": "XING",
	"DALE": "DL", "DL": "DL",
	"DAM": "DM", "DM": "DM",
	"DIV": "DV", "DIVIDE": "DV", "DV": "DV", "DVD": "DV",
	"DR": "DR", "DRIV": "DR", "DRIVE": "DR", "DRV": "DR",
	"EST": "EST", "ESTATE": "EST",
	"ESTATES": "ESTS", "ESTS": "ESTS",
	"EXP": "EXPY", "EXPR": "EXPY", "EXPRESS": "EXPY", "EXPRESSWAY": "EXPY", "EXPW": "EXPY", "EXPY": "EXPY",
	"EXT": "EXT", "EXTENSION": "EXT", "EXTN": "EXT", "EXTNSN": "EXT",
	"FALLS": "FLS", "FLS": "FLS",
	"FERRY": "FRY", "FRRY": "FRY", "FRY": "FRY",
	"FIELD": "FLD", "FLD": "FLD",
	"FIELDS": "FLDS", "FLDS": "FLDS",
	"FLAT": "FLT", "FLT": "FLT",
	"FORD": "FRD", "FRD": "FRD",
	"FOREST": "FRST", "FORESTS": "FRST", "FRST": "FRST",
	"FORG": "FRG", "FORGE": "FRG", "FRG": "FRG",
	"FORK": "FRK", "FRK": "FRK",
	"FORT": "FT", "FRT": "FT", "FT": "FT",
	"FREEWAY": "FWY", "FREEWY": "FWY", "FRWAY": "FWY", "FRWY": "FWY", "FWY": "FWY",
	"GARDEN": "GDN", "GARDN": "GDN", "GDN": "GDN", "GRDEN": "GDN", "GRDN": "GDN",
	"GARDENS": "GDNS", "GDNS": "GDNS", "GRDNS": "GDNS",
	"GATEWAY": "GTWY", "GATEWY": "GTWY", "GATWAY": "GTWY", "GTWAY": "GTWY", "GTWY": "GTWY",
	"GLEN": "GLN", "GLN": "GLN",
	"GREEN": "GRN", "GRN": "GRN",
	"GROV": "GRV", "GROVE": "GRV", "GRV": "GRV",
	"HARB": "HBR", "HARBOR": "HBR", "HARBOUR": "HBR", "HARBR": "HBR", "HBR": "HBR", "HRBOR": "HBR",
	"HAVEN": "HVN", "HVN": "HVN",
	"HEIGHTS": "HTS", "HT": "HTS", "HTS": "HTS",
	"HIGHWAY": "HWY", "HIGHWY": "HWY", "HIWAY": "HWY", "HIWY": "HWY", "HWAY": "HWY", "HWY": "HWY",
	"HILL": "HL", "HL": "HL",
	"HILLS": "HLS", "HLS": "HLS",
	"HLLW": "HOLW", "HOLLOW": "HOLW", "HOLLOWS": "HOLW", "HOLW": "HOLW", "HOLWS": "HOLW",
	"INLET": "INLT", "INLT": "INLT",
	"IS": "IS", "ISLAND": "IS", "ISLND": "IS",
	"ISLANDS": "ISS", "ISLNDS": "ISS", "ISS": "ISS",
	"ISLE": "ISLE", "ISLES": "ISLE",
	"JCT": "JCT", "JCTION": "JCT", "JCTN": "JCT", "JUNCTION": "JCT", "JUNCTN": "JCT", "JUNCTON": "JCT",
	"KEY": "KY", "KY": "KY",
	"KNL": "KNL", "KNOL": "KNL", "KNOLL": "KNL",
	"LAKE": "LK", "LK": "LK",
	"LAKES": "LKS", "LKS": "LKS",
	"LANDING": "LNDG", "LNDG": "LNDG", "LNDNG": "LNDG",
	"LANE": "LN", "LN": "LN",
	"LGT": "LGT", "LIGHT": "LGT",
	"LCK": "LCK", "LOCK": "LCK",
	"LDG": "LDG", "LDGE": "LDG", "LODG": "LDG", "LODGE": "LDG",
	"LOOP": "LOOP", "LOOPS": "LOOP",
	"MALL":  "MALL",
	"MANOR": "MNR", "MNR": "MNR",
	"MDW": "MDW", "MEADOW": "MDW",
	"MDWS": "MDWS", "MEADOWS": "MDWS", "MEDOWS": "MDWS",
	"MILL": "ML", "ML": "ML",
	"MISSION": "MSN", "MISSN": "MSN", "MSN": "MSN", "MSSN": "MSN",
	"MOTORWAY": "MTWY", "MTWY": "MTWY",
	"MNT": "MT", "MOUNT": "MT", "MT": "MT",
	"MNTAIN": "MTN", "MNTN": "MTN", "MOUNTAIN": "MTN", "MOUNTIN": "MTN", "MTIN": "MTN", "MTN": "MTN",
	"ORCH": "ORCH", "ORCHARD": "ORCH", "ORCHRD": "ORCH",
	"OVAL": "OVAL", "OVL": "OVAL",
	"OPAS": "OPAS", "OVERPASS": "OPAS",
	"PARK": "PARK", "PARKS": "PARK", "PRK": "PARK",
	"PARKWAY": "PKWY", "PARKWAYS": "PKWY", "PARKWY": "PKWY", "PKWAY": "PKWY", "PKWY": "PKWY", "PKWYS": "PKWY", "PKY": "PKWY",
	"PASS": "PASS",
	"PATH": "PATH", "PATHS": "PATH",
	"PIKE": "PIKE", "PIKES": "PIKE",
	"PL": "PL", "PLACE": "PL",
	"PLAIN": "PLN", "PLN": "PLN",
	"PLAINS": "PLNS", "PLNS": "PLNS",
	"PLAZA": "PLZ", "PLZ": "PLZ", "PLZA": "PLZ",
	"POINT": "PT", "PT": "PT",
	"POINTS": "PTS", "PTS": "PTS",
	"PORT": "PRT", "PRT": "PRT",
	"PR": "PR", "PRAIRIE": "PR", "PRR": "PR",
	"RAD": "RADL", "RADIAL": "RADL", "RADIEL": "RADL", "RADL": "RADL",
	"RANCH": "RNCH", "RANCHES": "RNCH", "RNCH": "RNCH", "RNCHS": "RNCH",
	"RAPIDS": "RPDS", "RPDS": "RPDS",
	"REST": "RST", "RST": "RST",
	"RDG": "RDG", "RDGE": "RDG", "RIDGE": "RDG",
	"RIV": "RIV", "RIVER": "RIV", "RIVR": "RIV", "RVR": "RIV",
	"RD": "RD", "ROAD": "RD",
	"ROUTE": "RTE", "RTE": "RTE",
	"ROW":   "ROW",
	"RUN":   "RUN",
	"SHOAR": "SHR", "SHORE": "SHR", "SHR": "SHR",
	"SKWY": "SKWY", "SKYWAY": "SKWY",
	"SPG": "SPG", "SPNG": "SPG", "SPRING": "SPG", "SPRNG": "SPG",
	"SQ": "SQ", "SQR": "SQ", "SQRE": "SQ", "SQU": "SQ", "SQUARE": "SQ",
	"STA": "STA", "STATION": "STA", "STATN": "STA", "STN": "STA",
	"ST": "ST", "STR": "ST", "STREET": "ST", "STRT": "ST",
	"SMT": "SMT", "SUMIT": "SMT", "SUMITT": "SMT", "SUMMIT": "SMT",
	"TER": "TER", "TERR": "TER", "TERRACE": "TER",
	"TRACE": "TRCE", "TRACES": "TRCE", "TRCE": "TRCE",
	"TRACK": "TRAK", "TRACKS": "TRAK", "TRAK": "TRAK", "TRK": "TRAK", "TRKS": "TRAK",
	"TRAIL": "TRL", "TRAILS": "TRL", "TRL": "TRL", "TRLS": "TRL",
	"TUNEL": "TUNL", "TUNL": "TUNL", "TUNLS": "TUNL", "TUNNEL": "TUNL", "TUNNELS": "TUNL", "TUNNL": "TUNL",
	"TPKE": "TPKE", "TRNPK": "TPKE", "TURNPIKE": "TPKE", "TURNPK": "TPKE",
	"UN": "UN", "UNION": "UN",
	"VALLEY": "VLY", "VALLY": "VLY", "VLLY": "VLY", "VLY": "VLY",
	"VDCT": "VIA", "VIA": "VIA", "VIADCT": "VIA", "VIADUCT": "VIA",
	"VIEW": "VW", "VW": "VW",
	"VILL": "VLG", "VILLAG": "VLG", "VILLAGE": "VLG", "VILLG": "VLG", "VILLIAGE": "VLG", "VLG": "VLG",
	"VILLE": "VL", "VL": "VL",
	"VIS": "VIS", "VIST": "VIS", "VISTA": "VIS", "VST": "VIS", "VSTA": "VIS",
	"WALK": "WALK", "WALKS": "WALK",
	"WAY": "WAY", "WY": "WAY",
	"WELL": "WL", "WL": "WL",
	"WELLS": "WLS", "WLS": "WLS",
	// Further Appendix C1 suffixes and their standard abbreviations.
	"TRAFFICWAY": "TRFY", "TRFY": "TRFY", "UNDERPASS": "UPAS", "UPAS": "UPAS", "RUE": "RUE",
	"THROUGHWAY": "TRWY", "TRWY": "TRWY", "KNOLLS": "KNLS", "KNLS": "KNLS", "MEWS": "MEWS",
	"PINES": "PNES", "PNES": "PNES", "PINE": "PNE", "PNE": "PNE", "RAMP": "RAMP", "SHOAL": "SHL",
	"SHL": "SHL", "SHOALS": "SHLS", "SHLS": "SHLS", "SPUR": "SPUR", "SPURS": "SPUR",
	"STRAVENUE": "STRA", "STRA": "STRA", "STRAV": "STRA", "STRAVEN": "STRA", "STRAVN": "STRA",
	"STRVN": "STRA", "STRVNUE": "STRA", "STREAM": "STRM", "STREME": "STRM", "STRM": "STRM",
	"CROSSROAD": "XRD", "XRD": "XRD", "CROSSROADS": "XRDS", "XRDS": "XRDS", "CURVE": "CURV",
	"CURV": "CURV", "LAND": "LAND", "NECK": "NCK", "NCK": "NCK", "CREST": "CRST", "CRST": "CRST",
	"BURG": "BG", "BG": "BG", "BURGS": "BGS", "BGS": "BGS", "GLENS": "GLNS", "GLNS": "GLNS",
	"LOAF": "LF", "LF": "LF", "LOCKS": "LCKS", "LCKS": "LCKS", "BLUFFS": "BLFS", "BLFS": "BLFS",
	"BROOKS": "BRKS", "BRKS": "BRKS", "CENTERS": "CTRS", "CTRS": "CTRS", "CIRCLES": "CIRS",
	"CIRS": "CIRS", "CLIFFS": "CLFS", "CLFS": "CLFS", "COMMONS": "CMNS", "CMNS": "CMNS",
	"CORNERS": "CORS", "CORS": "CORS", "COURTS": "CTS", "CTS": "CTS", "COVES": "CVS", "CVS": "CVS",
	"DRIVES": "DRS", "DRS": "DRS", "EXTENSIONS": "EXTS", "EXTS": "EXTS", "FLATS": "FLTS",
	"FLTS": "FLTS", "FORDS": "FRDS", "FRDS": "FRDS", "FORKS": "FRKS", "FRKS": "FRKS",
	"GREENS": "GRNS", "GRNS": "GRNS", "GROVES": "GRVS", "GRVS": "GRVS", "HARBORS": "HBRS",
	"HBRS": "HBRS", "JUNCTIONS": "JCTS", "JCTS": "JCTS", "KEYS": "KYS", "KYS": "KYS",
	"LIGHTS": "LGTS", "LGTS": "LGTS", "MILLS": "MLS", "MLS": "MLS", "MOUNTAINS": "MTNS",
	"MTNS": "MTNS", "PORTS": "PRTS", "PRTS": "PRTS", "RIDGES": "RDGS", "RDGS": "RDGS", "ROADS": "RDS",
	"RDS": "RDS", "SPRINGS": "SPGS", "SPGS": "SPGS", "SQUARES": "SQS", "SQS": "SQS", "STREETS": "STS",
	"STS": "STS", "VIEWS": "VWS", "VWS": "VWS", "VILLAGES": "VLGS", "VLGS": "VLGS", "WAYS": "WAYS",
	"UNIONS": "UNS", "UNS": "UNS", "VALLEYS": "VLYS", "VLYS": "VLYS", "SHORES": "SHRS",
	"SHRS": "SHRS", "RAPID": "RPD", "RPD": "RPD", "PASSAGE": "PSGE", "PSGE": "PSGE", "WALL": "WALL",
	"MANORS": "MNRS", "MNRS": "MNRS", "FORGES": "FRGS", "FRGS": "FRGS",
}

// streetNameWords maps words that are not suffixes but are abbreviated in
// street names the same way carriers abbreviate them ("Saint Charles Ave"
// is "St Charles Ave"). FORT and MOUNT are suffixes already.
var streetNameWords = map[string]string{
	"SAINT": "ST",
}

// directionals maps a directional, spelled out or abbreviated, to its
// Publication 28 abbreviation.
var directionals = map[string]string{
	"NORTH": "N", "SOUTH": "S", "EAST": "E", "WEST": "W",
	"NORTHEAST": "NE", "NORTHWEST": "NW", "SOUTHEAST": "SE", "SOUTHWEST": "SW",
	"N": "N", "S": "S", "E": "E", "W": "W",
	"NE": "NE", "NW": "NW", "SE": "SE", "SW": "SW",
}

// directionalNames spells out a directional abbreviation: a directional
// that is itself the street's name is written in full (Publication 28
// section 233), so "W Ave" and "West Avenue" are the same street.
var directionalNames = map[string]string{
	"N": "NORTH", "S": "SOUTH", "E": "EAST", "W": "WEST",
	"NE": "NORTHEAST", "NW": "NORTHWEST", "SE": "SOUTHEAST", "SW": "SOUTHWEST",
}

// compoundDirectional returns the one directional two consecutive
// directionals make ("NORTH" "EAST" is "NE"), or "" when they make none:
// NORTH-SOUTH and EAST-WEST never combine (Publication 28).
func compoundDirectional(first, second string) string {
	if len(first) != 1 || len(second) != 1 {
		return ""
	}
	switch first + second {
	case "NE":
		return "NE"
	case "NW":
		return "NW"
	case "SE":
		return "SE"
	case "SW":
		return "SW"
	}
	return ""
}

// unitDesignators maps a secondary unit designator (Publication 28 Appendix
// C2), spelled out or abbreviated, to the one canonical designator "#": the
// identity keeps the unit's identifier, not the word in front of it, so
// "Apt 4B", "Unit 4B", "Ste 4B" and "#4B" are the same unit.
var unitDesignators = map[string]string{
	"#":   "#",
	"APT": "#", "APARTMENT": "#", "APPT": "#", "APRT": "#",
	"STE": "#", "SUITE": "#", "SUIT": "#",
	"UNIT": "#", "UNT": "#",
	"FL": "#", "FLR": "#", "FLOOR": "#",
	"BLDG": "#", "BLD": "#", "BUILDING": "#",
	"RM": "#", "ROOM": "#",
	"DEPT": "#", "DEPARTMENT": "#",
	"OFC": "#", "OFFICE": "#",
	"SPC": "#", "SPACE": "#",
	"TRLR": "#", "TRAILER": "#",
	"LOT":  "#",
	"PIER": "#", "SLIP": "#", "STOP": "#",
	"PH": "#", "PENTHOUSE": "#",
	"HNGR": "#", "HANGAR": "#",
}

// floorWords are the designators that may follow an ordinal ("2nd Floor").
var floorWords = map[string]bool{"FL": true, "FLR": true, "FLOOR": true}

// numberMarkers are words that may stand between a designator and its
// identifier and carry nothing ("Apt No. 4", "PO Box # 12").
var numberMarkers = map[string]bool{"#": true, "NO": true, "NUM": true, "NBR": true, "NUMBER": true}

// numberWords maps number words to their value, for house numbers ("One
// Sample Way") and unit identifiers ("Suite Two"). Tens combine with a
// following unit word ("Twenty One" is 21).
var numberWords = map[string]int{
	"ONE": 1, "TWO": 2, "THREE": 3, "FOUR": 4, "FIVE": 5, "SIX": 6, "SEVEN": 7, "EIGHT": 8, "NINE": 9,
	"TEN": 10, "ELEVEN": 11, "TWELVE": 12, "THIRTEEN": 13, "FOURTEEN": 14, "FIFTEEN": 15,
	"SIXTEEN": 16, "SEVENTEEN": 17, "EIGHTEEN": 18, "NINETEEN": 19,
	"TWENTY": 20, "THIRTY": 30, "FORTY": 40, "FIFTY": 50, "SIXTY": 60, "SEVENTY": 70, "EIGHTY": 80, "NINETY": 90,
}

// ordinalWords maps ordinal words to their value, for street names ("First
// Ave" is "1ST AVE") and floors. Tens words combine with a following ordinal
// below ten ("Twenty First" is 21ST).
var ordinalWords = map[string]int{
	"FIRST": 1, "SECOND": 2, "THIRD": 3, "FOURTH": 4, "FIFTH": 5, "SIXTH": 6, "SEVENTH": 7, "EIGHTH": 8, "NINTH": 9,
	"TENTH": 10, "ELEVENTH": 11, "TWELFTH": 12, "THIRTEENTH": 13, "FOURTEENTH": 14, "FIFTEENTH": 15,
	"SIXTEENTH": 16, "SEVENTEENTH": 17, "EIGHTEENTH": 18, "NINETEENTH": 19,
	"TWENTIETH": 20, "THIRTIETH": 30, "FORTIETH": 40, "FIFTIETH": 50, "SIXTIETH": 60, "SEVENTIETH": 70,
	"EIGHTIETH": 80, "NINETIETH": 90,
}

// honorifics are dropped from names wherever they stand.
var honorifics = map[string]bool{
	"MR": true, "MRS": true, "MS": true, "MISS": true, "MISTER": true, "MX": true,
	"DR": true, "DOCTOR": true, "PROF": true, "PROFESSOR": true,
	"SIR": true, "MADAM": true, "MADAME": true, "MME": true, "MLLE": true,
	"REV": true, "REVEREND": true,
}

// degrees are post-nominal titles dropped from names. "M.D." is not here:
// folded it is "M D", two letters that may as well be initials.
var degrees = map[string]bool{
	"ESQ": true, "ESQUIRE": true, "PHD": true, "MD": true, "DDS": true, "DMD": true,
	"DVM": true, "CPA": true, "MBA": true, "RN": true,
}

// generationSuffixes are kept in names, since they tell a father from a son;
// the spelled-out and ordinal forms fold to the usual abbreviation.
var generationSuffixes = map[string]string{
	"JR": "JR", "JNR": "JR", "JUNIOR": "JR",
	"SR": "SR", "SNR": "SR", "SENIOR": "SR",
	"II": "II", "2ND": "II", "III": "III", "3RD": "III", "IV": "IV", "4TH": "IV",
}

// countryAliases maps the ways United States is written, letters only, to US.
var countryAliases = map[string]string{
	"USA": "US", "UNITEDSTATES": "US", "UNITEDSTATESOFAMERICA": "US",
}

// zipCountries use United States ZIP codes.
var zipCountries = map[string]bool{
	"US": true, "PR": true, "VI": true, "GU": true, "AS": true, "MP": true,
	"UM": true, "FM": true, "MH": true, "PW": true,
}

// decimalText and ordinalText hold the text of 0..99 ("7", "7TH"), so
// replacing a number word never allocates.
var decimalText, ordinalText [100]string

func init() {
	for i := range decimalText {
		decimalText[i] = strconv.Itoa(i)
		suffix := "TH"
		if i%100 < 11 || i%100 > 13 {
			switch i % 10 {
			case 1:
				suffix = "ST"
			case 2:
				suffix = "ND"
			case 3:
				suffix = "RD"
			}
		}
		ordinalText[i] = decimalText[i] + suffix
	}
}

// addrWord is everything the address rules need to know about one word,
// so that each word is looked up once. The zero value is a plain word.
type addrWord struct {
	suffix   string // the Publication 28 suffix abbreviation, if a suffix
	dir      string // the directional abbreviation, if a directional
	nameAbbr string // the abbreviation of a street-name word (SAINT)
	number   int    // the value of a number word, or 0
	ordinal  int    // the value of an ordinal word, or 0
	unit     bool   // a secondary unit designator
	floor    bool   // a floor designator, which may follow an ordinal
	marker   bool   // a number marker, skipped after a designator
}

// plainWord is the addrWord of a word in no table.
var plainWord addrWord

// addressWords merges the address tables above, keyed by word.
var addressWords = func() map[string]*addrWord {
	words := make(map[string]*addrWord)
	get := func(w string) *addrWord {
		if words[w] == nil {
			words[w] = &addrWord{}
		}
		return words[w]
	}
	for w, abbr := range streetSuffixes {
		get(w).suffix = abbr
	}
	for w, abbr := range directionals {
		get(w).dir = abbr
	}
	for w, abbr := range streetNameWords {
		get(w).nameAbbr = abbr
	}
	for w, value := range numberWords {
		get(w).number = value
	}
	for w, value := range ordinalWords {
		get(w).ordinal = value
	}
	for w := range unitDesignators {
		get(w).unit = true
	}
	for w := range floorWords {
		get(w).floor = true
	}
	for w := range numberMarkers {
		get(w).marker = true
	}
	return words
}()

// lookupAddr returns the addrWord of word, plainWord when it is in no table.
func lookupAddr(word []byte) *addrWord {
	if info := addressWords[string(word)]; info != nil {
		return info
	}
	return &plainWord
}

// nameWord is what the name rules need to know about one word.
type nameWord struct {
	title bool   // an honorific or a degree, dropped
	short string // the short form of a generation suffix ("JUNIOR" is JR)
}

// nameWords merges honorifics, degrees and generationSuffixes.
var nameWords = func() map[string]nameWord {
	words := make(map[string]nameWord)
	for w := range honorifics {
		words[w] = nameWord{title: true}
	}
	for w := range degrees {
		words[w] = nameWord{title: true}
	}
	for w, short := range generationSuffixes {
		words[w] = nameWord{short: short}
	}
	return words
}()
