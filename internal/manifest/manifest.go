package manifest

import (
	"time"

	"github.com/shopspring/decimal"
)

// Type is what a manifest.v1 message does to its parcel.
type Type string

// The message types of manifest.v1; a message without "type" is TypeParcel.
const (
	// TypeParcel announces a parcel.
	TypeParcel Type = "parcel"
	// TypeAmend replaces the items and value of a parcel already announced.
	TypeAmend Type = "amend"
	// TypeCancel removes a parcel already announced from its day total.
	TypeCancel Type = "cancel"
)

// MaxItems is the most items one manifest may carry.
const MaxItems = 1000

// Manifest is one decoded, valid manifest.v1 message with every default
// applied. A Manifest returned by Decode always has a non-empty ParcelID and
// EventID, a Carrier, an ArrivalTime, the required Recipient fields, and
// 1..MaxItems valid Items.
type Manifest struct {
	EventID     string // defaults to ParcelID
	ParcelID    string
	Type        Type   // defaults to TypeParcel
	Carrier     string // 1..32 characters, not only white space
	Mode        string // air (default), ocean, truck, rail or postal
	PortOfEntry string // empty, or a 4-digit CBP port code

	// ArrivalTime is the instant as written, with the offset it was written
	// in (UTC when the offset is Z or zero); callers convert it to the zone
	// they need.
	ArrivalTime time.Time

	Recipient   Recipient
	Shipper     Shipper
	Seller      string
	Marketplace string
	OrderID     string
	Gift        bool // the sender declares a bona fide gift

	// ExportDate is the date the goods left the country of export, as
	// written: empty, or a valid calendar date YYYY-MM-DD. It chooses the
	// exchange rate (19 CFR 159.32).
	ExportDate string

	Items []Item // 1..MaxItems, in message order
}

// Recipient is the person a parcel is addressed to. Name, AddressLine1,
// City, State and PostalCode are never empty; Country is "US" when absent,
// null or empty, and is not otherwise checked (the contract sets no rule). The
// values are kept as written: normalizing them is the identity package's job.
type Recipient struct {
	Name         string
	AddressLine1 string
	AddressLine2 string
	City         string
	State        string
	PostalCode   string
	Country      string
	Phone        string
	Email        string
}

// Shipper is the optional sender of a parcel, kept as written.
type Shipper struct {
	Name    string
	Country string
}

// Item is one line of a manifest.
type Item struct {
	Description   string // never empty
	HTSCode       string // empty, or 4 to 10 digits with optional dots, as written
	OriginCountry string // ISO 3166-1 alpha-2, upper case
	Quantity      int    // at least 1; defaults to 1

	// Value is the line's declared value in Currency, exact, with the scale
	// it was written with ("450.00" keeps two places, "800" none): 0 to
	// 1000000000, at most 2 decimal places.
	Value    decimal.Decimal
	Currency string // three letters, upper case; defaults to "USD"
	Category string // empty, or alcohol, tobacco, firearms or hazmat
}

// Value returns the sum of the items' values, exact, with the largest scale
// among them ("1.50" + "2" is "3.50"). It adds the amounts as declared: it
// is the parcel's value in USD only when every item is in USD; converting
// other currencies is the caller's job.
func (m *Manifest) Value() decimal.Decimal {
	total := decimal.Zero
	for i := range m.Items {
		total = total.Add(m.Items[i].Value)
	}
	return total
}

// FieldError is a message that breaks a rule of manifest.v1. Field is the
// member's path ("parcel_id", "recipient.postal_code", "items[3].value"), or
// "message" when the message as a whole is at fault (not UTF-8, not JSON,
// not an object). Rule says what the member must be. Neither ever contains
// data from the message.
type FieldError struct {
	Field string
	Rule  string
}

// Error returns Field + ": " + Rule, e.g. "items[0].value: must not be negative".
func (e *FieldError) Error() string {
	if e.Field == "" {
		return e.Rule
	}
	return e.Field + ": " + e.Rule
}
