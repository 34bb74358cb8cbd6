// Package decide evaluates one parcel against a regime. It does no I/O and
// reads no clock.
//
// It owns the de minimis regimes (an effective-dated table, parsed from JSON,
// with the United States history and future built in), the choice of the
// regime in force at an instant, the reasons a parcel is refused and their
// order, the entry type a refused parcel needs, and the entry date of an
// instant in a time zone.
//
// It does not own the recipient's day total: the caller counts it (see
// package window) and passes it in, and DailyTotalApplies is the one rule
// that counter mirrors. It does not decode manifests, convert currencies or
// publish anything.
package decide
