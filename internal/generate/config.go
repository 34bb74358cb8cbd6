package generate

import (
	"errors"
	"fmt"
	"time"
)

// Config sets what a Generator produces. Shares are fractions in [0, 1] of
// the messages generated, except RepeatShare, which is a fraction of the
// recipient population.
type Config struct {
	// Seed selects the stream: the same Seed and Config give the same
	// messages, byte for byte. Default 1.
	Seed uint64

	// From and To bound the arrival times: every arrival_time is an instant
	// in [From, To), drawn uniformly (to the second, or to the millisecond
	// for carriers that write milliseconds). To must be at least one second
	// after From. Default 2025-08-25T00:00:00Z to 2025-09-02T00:00:00Z, which
	// spans the suspension of de minimis by EO 14324 at 2025-08-29T04:01Z.
	From, To time.Time

	// EntryDayZone is the time zone whose calendar day groups a recipient's
	// parcels: the parcels of a repeat recipient or of a split order arrive
	// on one day in this zone. Nil means America/New_York, the processor's
	// default entry-day zone.
	EntryDayZone *time.Location

	// Recipients is the size of the synthetic recipient population, at
	// least 1 and at most 1e9. Recipients are derived from the seed on
	// demand, so a large population costs no memory. Default 50000.
	Recipients int

	// RepeatShare is the share of recipients who get several parcels (2 or
	// 3) on one day whenever they receive something. Default 0.10.
	RepeatShare float64

	// SplitShare is the share of messages that belong to a split-shipment
	// pattern: one order of $900 to $2000 sent as 2 to 4 parcels, each under
	// $800, by different carriers, on one day, with the recipient written
	// differently each time. Default 0.02.
	SplitShare float64

	// RestrictedShare is the share of messages that are parcels with a
	// restricted item (wine, spirits, cigarettes or hazmat). Default 0.01.
	RestrictedShare float64

	// BadShare is the share of messages that break the manifest.v1 rules
	// (invalid JSON, a missing field, a negative value, ...). Default 0.005.
	BadShare float64

	// DuplicateShare is the share of messages that re-send one of the
	// recent valid messages unchanged, key and value. Default 0.002.
	DuplicateShare float64
}

// DefaultConfig returns the configuration documented on the Config fields.
func DefaultConfig() Config {
	return Config{
		Seed:            1,
		From:            time.Date(2025, 8, 25, 0, 0, 0, 0, time.UTC),
		To:              time.Date(2025, 9, 2, 0, 0, 0, 0, time.UTC),
		Recipients:      50000,
		RepeatShare:     0.10,
		SplitShare:      0.02,
		RestrictedShare: 0.01,
		BadShare:        0.005,
		DuplicateShare:  0.002,
	}
}

// FieldError is a Config field that breaks a rule.
type FieldError struct {
	Field string // the Config field, e.g. "RepeatShare"
	Rule  string // the rule it breaks, e.g. "must be in [0, 1]"
}

// Error implements error.
func (e *FieldError) Error() string {
	return "generate config: " + e.Field + ": " + e.Rule
}

// Bounds on From and To: instants are Unix nanoseconds, and the span
// between them must fit an int64.
var (
	earliest = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
	latest   = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
)

// maxRecipients bounds Config.Recipients so a recipient index fits a uint32.
const maxRecipients = 1_000_000_000

// Validate reports every rule the configuration breaks, as *FieldError
// values joined with errors.Join, or nil.
func (c Config) Validate() error {
	var errs []error
	bad := func(field, rule string) { errs = append(errs, &FieldError{Field: field, Rule: rule}) }

	if c.From.Before(earliest) || !c.From.Before(latest) {
		bad("From", "must be in the years 1970 to 2199")
	}
	if c.To.Before(earliest) || c.To.After(latest) {
		bad("To", "must be in the years 1970 to 2199")
	}
	if c.To.Sub(c.From) < time.Second {
		bad("To", "must be at least one second after From")
	}
	if c.Recipients < 1 || c.Recipients > maxRecipients {
		bad("Recipients", fmt.Sprintf("must be in [1, %d]", maxRecipients))
	}
	shares := []struct {
		field string
		value float64
	}{
		{"RepeatShare", c.RepeatShare},
		{"SplitShare", c.SplitShare},
		{"RestrictedShare", c.RestrictedShare},
		{"BadShare", c.BadShare},
		{"DuplicateShare", c.DuplicateShare},
	}
	sharesOK := true
	for _, s := range shares {
		// The negated form also rejects NaN.
		if !(s.value >= 0 && s.value <= 1) {
			bad(s.field, "must be in [0, 1]")
			sharesOK = false
		}
	}
	if sharesOK {
		if c.SplitShare+c.BadShare+c.DuplicateShare >= 1 {
			bad("SplitShare", "SplitShare + BadShare + DuplicateShare must be below 1")
		} else if c.RestrictedShare > singleShare(c) {
			bad("RestrictedShare", fmt.Sprintf("must be at most %.4f, the share of single parcels left by the other shares", singleShare(c)))
		}
	}
	return errors.Join(errs...)
}

// Shape of the patterns, shared by the planner and the share arithmetic.
const (
	splitMinCents  = 90000  // a split order is worth $900 ...
	splitMaxCents  = 200000 // ... to $2000
	splitPartMax   = 79999  // each part stays under $800
	splitPartMin   = 15000  // and is worth at least $150
	splitMaxParts  = 4      // parts per split order: 2 to 4
	repeatMinGroup = 2      // a repeat recipient gets 2 ...
	repeatMaxGroup = 3      // ... or 3 parcels on one day
)

// splitMeanParts is the expected number of parcels of one split order: the
// order's value T is uniform over [splitMinCents, splitMaxCents], and the
// number of parts uniform over [max(2, ceil(T/splitPartMax)), 4].
func splitMeanParts() float64 {
	var sum, count float64
	for parts := 2; parts <= splitMaxParts; parts++ {
		// Values T whose least number of parts is exactly `parts`.
		lo := max(int64(splitMinCents), int64(parts-1)*splitPartMax+1)
		hi := min(int64(splitMaxCents), int64(parts)*splitPartMax)
		if hi < lo {
			continue
		}
		n := float64(hi - lo + 1)
		mean := float64(parts+splitMaxParts) / 2
		sum += n * mean
		count += n
	}
	return sum / count
}

// ordinaryMeanParcels is the expected number of parcels an ordinary
// recipient draw yields: one, or a repeat group.
func ordinaryMeanParcels(c Config) float64 {
	return 1 + c.RepeatShare*(float64(repeatMinGroup+repeatMaxGroup)/2-1)
}

// singleShare is the share of messages that are single ordinary parcels,
// the only ones that may carry a restricted item.
func singleShare(c Config) float64 {
	return (1 - c.SplitShare - c.BadShare - c.DuplicateShare) * (1 - c.RepeatShare) / ordinaryMeanParcels(c)
}
