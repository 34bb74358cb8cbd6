// Package identity turns a parcel's recipient into a normalized identity and
// a keyed hash of it, the recipient_key of the wire contract, so parcels
// sent to one person are counted together however the sender spells them.
// It is pure: no I/O, no logging, no clock.
//
// It owns the normalization rules below and the key: HMAC-SHA256 of the
// identity under a secret, 64 lower-case hex characters. It does not own
// the secret (the caller loads it), the day totals keyed by it, or any
// fuzzy matching: two recipients match exactly when their identities are
// equal, and the rules here are the whole explanation of why two parcels
// were counted together.
//
// # Identity
//
// The identity is four normalized fields joined by "|":
//
//	name | address | postal code | country
//	ANN EXAMPLE|1 SAMPLE WAY|12345|US
//
// City and state are not part of it: the ZIP places the address, and one
// address is written with different cities (the contract's example has
// "Anytown, NY" and "Springfield, IL" for the same recipient). Phone and
// e-mail are not part of it either. Keyer.AddressKey hashes
// "address|postal code|country" alone, for grouping parcels sent to one
// address under different names; having one "|" fewer, it never equals a
// recipient key. Keyer.OrderKey hashes an order's seller (or marketplace)
// and order number, for the split_order alert. Changing any rule here
// changes keys: day totals started
// under the old rules do not carry over.
//
// # Folding, every field
//
//   - Unicode is folded to ASCII where a Latin letter has an ASCII base:
//     compatibility decomposition (NFKD) then accents dropped ("José Müller"
//     is "JOSE MULLER", fullwidth "ＪＯＨＮ" is "JOHN"), and a small table for
//     letters Unicode does not decompose (ß SS, Æ AE, Œ OE, Ø O, Ł L, Đ D,
//     Þ TH, ı I). "Ü" is "U", not the German "UE". Letters of other scripts
//     are kept, upper case, with their marks: nothing is transliterated.
//   - Upper case.
//   - Apostrophes (' ` ’ ‘ ʼ ´) are dropped and join: "O'Brien" is "OBRIEN".
//   - Every other character that is not a letter or a digit separates
//     words; runs of separators are one space; no space at either end.
//
// # Names
//
//   - Honorifics are dropped wherever they stand: MR MRS MS MISS MISTER MX
//     DR DOCTOR PROF PROFESSOR SIR MADAM MADAME MME MLLE REV REVEREND. So
//     are degrees: ESQ ESQUIRE PHD ("Ph.D.") MD DDS DMD DVM CPA MBA RN.
//     "M.D." with periods is kept: folded it is "M D", which may as well be
//     two initials. A name made only of titles ("Sir") keeps them.
//   - Generation suffixes are kept, since they tell a father from a son,
//     in short form: JUNIOR JNR to JR, SENIOR SNR to SR, 2ND to II, 3RD to
//     III, 4TH to IV. "John Smith Jr" and "John Smith Sr" never match.
//   - A comma means "Last, First" ("Smith, John" is John Smith). The words
//     are then sorted, so word order never matters, which also settles the
//     comma: "Smith, John", "John Smith" and "Smith John" are all "JOHN
//     SMITH".
//   - Middle names and initials are kept: "John Q Smith" is not "John
//     Smith". Dropping them would merge different people of one household
//     (John A and John B Smith); a sender who adds an initial to split an
//     order still shares the address key.
//   - A hyphen separates: "Mary-Jane" is "MARY JANE".
//
// # Addresses
//
// Line 2 is joined after line 1. Then, following USPS Publication 28:
//
//   - A hyphen between two letters or digits, one of them a digit, joins:
//     "4-B" is "4B", "123-45" is "12345". Any other hyphen separates. "#" is
//     a word of its own ("#4B" is "#" "4B").
//   - PO boxes: "PO BOX", "P O BOX" ("P.O. Box"), "POB", "P O B", "POBOX",
//     "POST OFFICE BOX" and "POST BOX" are "PO BOX", followed by the box
//     number ("#", "NO", "NUMBER" in between are dropped). "BOX" alone is
//     not a PO box (rural route boxes are written that way).
//   - Secondary units: every designator (APT APARTMENT, STE SUITE, UNIT,
//     #, FL FLR FLOOR, BLDG BUILDING, RM ROOM, DEPT, OFC OFFICE, SPC SPACE,
//     TRLR TRAILER, LOT, PH PENTHOUSE, HNGR HANGAR and their variants) is
//     folded to one canonical form, "#", written together with the unit's
//     identifier: "Apt 4B", "APT4B", "#4B", "Unit 4B" and "apartment 4-b"
//     are all "#4B". The designator word is not kept because senders use
//     them interchangeably; the identifier is what tells units apart.
//     The identifier is the next word, after "#", "NO", "NUMBER"; a word
//     after a spelled-out designator is an identifier when it holds a
//     digit, is a number word ("Suite Two" is "#2"), or is one or two
//     letters that are not a street suffix ("Apt B"; "Unit Rd" is a
//     street). A single letter after a numeric identifier joins it when it
//     ends the address or another unit follows ("Apt 4 B" is "#4B"). An
//     ordinal before a floor word is that floor ("2nd Floor", "Second
//     Floor" and "Floor 2" are "#2"). A designator without identifier says
//     nothing and is dropped when it ends the address or the street part,
//     or stands before another designator, a PO box or a floor ordinal;
//     before any other word it is a street word ("1 Office Park Dr"). Units
//     are written at the end of the address, in the order written ("Bldg 2
//     Apt 4" is "#2 #4", not "#4 #2").
//   - The rest is the street part. House number: its first word when it
//     starts with a digit, or a number word when more words follow ("One
//     Sample Way" is "1 SAMPLE WAY", "Twenty-One" is "21"; one to nineteen
//     and the tens, tens combined with one to nine).
//   - Suffix: the last word after the house number that is a Publication
//     28 Appendix C1 street suffix or one of its variants (STREET STR ST to
//     ST, AVENUE AV AVEN to AVE, ROAD RD, DRIVE DR, BOULEVARD BLVD, LANE
//     LN, COURT CT, PLACE PL, TERRACE TER, PARKWAY PKWY, HIGHWAY HWY,
//     CIRCLE CIR, SQUARE SQ, TRAIL TRL, WAY WAY; 133 suffixes in 411
//     spellings, the table streetSuffixes in tables.go). Every word of the street part
//     that is in the table is abbreviated, not only the suffix: matching
//     needs both sides folded the same way, and "Mountain View Rd" is then
//     "MTN VW RD" however it is written. SAINT is ST as well.
//   - Directionals (NORTH N, SOUTH S, EAST E, WEST W, NORTHEAST NE,
//     NORTHWEST NW, SOUTHEAST SE, SOUTHWEST SW) are abbreviated only where
//     they are a directional. Before the suffix, the first word is a
//     predirectional when more words stand between it and the suffix: "123
//     North Main St" is "123 N MAIN ST", but in "123 North St" NORTH is the
//     street's name. A directional that is the name is spelled out
//     (Publication 28 section 233): "123 W Ave" is "123 WEST AVE", like
//     "123 West Avenue". A single letter before ST stays a letter ("123 N
//     St" stays "123 N ST", the letter streets of Washington, DC, so it
//     does not match "123 North St"). Two
//     directionals that make a compound (north or south, then east or
//     west) are one predirectional when a name word still follows ("North
//     East 5th St" is "NE 5TH ST"); otherwise the second is the name ("123
//     North West St" is "123 N WEST ST"), and NORTH SOUTH or EAST WEST never
//     combine. After the suffix every directional is a postdirectional ("500
//     Main St South" is "500 MAIN ST S", "N E" is "NE"). Without a suffix,
//     the same rule for the first word, and a directional that is the last
//     word after at least one name word is a postdirectional ("123 Broadway
//     North" is "123 BROADWAY N").
//   - Highways (Publication 28 section 237): a designator followed by a
//     route number is written one way and stands where a suffix stands:
//     HIGHWAY, HIWAY and HWY are HWY; ROUTE, RT and RTE are RTE; STATE
//     ROUTE, STATE ROAD, STATE RTE, ST RTE and SR are STATE RTE; STATE
//     HIGHWAY is STATE HWY; US HIGHWAY, US ROUTE, U S HWY and US alone are
//     US HWY; COUNTY ROAD, CO RD and CR are COUNTY RD (COUNTY HWY and
//     COUNTY RTE likewise). A directional before the designator is a
//     predirectional ("North Highway 50" is "N HWY 50"), one after the
//     number a postdirectional ("Hwy 50 West" is "HWY 50 W"). HWY and RTE
//     stay apart, as do state, county and US roads.
//   - Ordinal words are numbers: FIRST to TWENTIETH and the tens (THIRTIETH
//     ... NINETIETH), tens combined with FIRST to NINTH ("Twenty-Third" is
//     "23RD"). Other numbers are left as written.
//
// # Postal code and country
//
//   - Country: folded, letters and digits only; empty is US, and "USA",
//     "U.S.A.", "United States" and "United States of America" are US.
//     Other values are kept, not checked against ISO 3166.
//   - For the US and the territories on US ZIP codes (PR VI GU AS MP UM FM
//     MH PW) the ZIP+4 folds to the five-digit ZIP: "12345-6789", "12345
//     6789", "123456789" are "12345". A ZIP of three or four digits, with
//     or without its +4, lost leading zeros in a spreadsheet and is padded
//     ("2134" is "02134"). A US code of any other shape, and every non-US
//     code, is folded with every space, dash and other separator removed
//     ("sw1a 1aa" is "SW1A1AA").
//
// # Phone and e-mail
//
// NormalizePhone and NormalizeEmail are for callers that compare contact
// details; neither is part of the identity or the key.
//
// # Cost
//
// The normalizers and Keyer.Key allocate only their result: words are
// spans of a stack buffer, tables are maps looked up once per word, and the
// Keyer reuses HMAC states through a sync.Pool.
package identity
